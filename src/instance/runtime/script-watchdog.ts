import vm from 'node:vm';
import * as workerThreads from 'node:worker_threads';

/**
 * The transaction quota of the main thread's scripts, without a thread per run.
 *
 * vm's `timeout` option starts (and joins) a watchdog thread for every call: ~0.15–0.25 ms, the
 * largest cost of a business rule on a user's write. `breakOnSigint` stops a run with a catchable
 * error as `timeout` does, and costs only a registration when another `breakOnSigint` run is active
 * somewhere in the process: Node starts its SIGINT helper thread for the first one and stops it with
 * the last. So one long-lived worker, the holder, stays inside a `breakOnSigint` run for good, waiting
 * on a shared deadline with Atomics.wait. A main-thread run arms the deadline (two atomic stores), runs
 * with `breakOnSigint`, and disarms it. When a run overstays, the holder sends SIGINT to the process;
 * Node delivers it to the latest registered run, which is the overstaying one (the holder registered
 * first), and the run fails with a timeout error, as with `timeout`.
 *
 * A SIGINT the watchdog did not send (Ctrl+C) still stops the process as before: whichever run
 * catches it (the holder, or a script then running: that script fails), the process's SIGINT
 * listeners get it (the main thread emits it to them; the holder stays), or with none the watchdog
 * retires (the holder leaves its run) and the signal is raised again: the process ends by SIGINT.
 *
 * Worker threads (the scheduler's) keep vm's `timeout`: SIGINT goes to one run of the process, and
 * only the main thread's runs are known to the holder.
 */

/** Node's own codes, so callers treat both watchdogs alike. */
export const SCRIPT_TIMEOUT_CODE = 'ERR_SCRIPT_EXECUTION_TIMEOUT';
export const SCRIPT_INTERRUPTED_CODE = 'ERR_SCRIPT_EXECUTION_INTERRUPTED';

// Shared words. The run state is (generation << 2) | phase (0 idle, ARMED, FIRING), so a compare-and-swap also checks the run.
const STATE = 0;
const DEADLINE = 1; // ms since the watchdog's epoch
const HOLDER = 2; // 0 while holding; CYCLE (leave and hold again), RETIRE (leave for good), RETIRED (left)
const SENT = 3; // SIGINTs the holder sent
const TAKEN = 4; // of those, how many arrived (a SIGINT beyond them is someone else's)
const LISTENERS = 5; // the process's SIGINT listeners: with some, the holder stays and the main thread emits the signal to them
const PHASE_ARMED = 1;
const PHASE_FIRING = 2;
const CYCLE = 1;
const RETIRE = 2;
const RETIRED = 3;
/** How often the holder looks at the run state: a run overstays by at most this much (a quota is seconds to minutes). */
const IDLE_POLL_MS = 200;

/** vm.Script's own runner, without vm's SIGINT-listener juggling (see `run`). */
type ContextifyRun = (this: vm.Script, context: vm.Context, timeout: number, displayErrors: boolean, breakOnSigint: boolean, breakOnFirstLine: boolean) => unknown;

/** The holder: plain JavaScript, so it runs the same from source (tsx, jest) and from the build. */
const HOLDER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const vm = require('node:vm');
const words = new Int32Array(workerData.shared);
const epoch = workerData.epoch;
const now = () => Math.floor(performance.timeOrigin + performance.now() - epoch);
function hold() {
  for (;;) {
    if (Atomics.load(words, ${HOLDER}) !== 0) return;
    const state = Atomics.load(words, ${STATE});
    if ((state & 3) !== ${PHASE_ARMED}) {
      // Runs arm without waking the holder: it looks every ${IDLE_POLL_MS} ms.
      Atomics.wait(words, ${STATE}, state, ${IDLE_POLL_MS});
      continue;
    }
    const left = Atomics.load(words, ${DEADLINE}) - now();
    if (left > 0) {
      // Runs end without waking the holder either: it looks again at least every ${IDLE_POLL_MS} ms.
      Atomics.wait(words, ${STATE}, state, Math.min(left, ${IDLE_POLL_MS}));
    } else if (Atomics.compareExchange(words, ${STATE}, state, (state & ~3) | ${PHASE_FIRING}) === state) {
      Atomics.add(words, ${SENT}, 1);
      process.kill(process.pid, 'SIGINT');
      Atomics.wait(words, ${STATE}, (state & ~3) | ${PHASE_FIRING}, 1000);
    }
  }
}
const context = vm.createContext({ hold });
const script = new vm.Script('hold()', { filename: 'local-instance:script-watchdog' });
for (;;) {
  parentPort.postMessage('holding');
  try {
    script.runInContext(context, { breakOnSigint: true });
  } catch (err) {
    if (!err || err.code !== '${SCRIPT_INTERRUPTED_CODE}') throw err;
    // Our own SIGINT, for a run that ended just before it came: the main thread stops waiting for it.
    if (Atomics.load(words, ${SENT}) > Atomics.load(words, ${TAKEN})) {
      Atomics.add(words, ${TAKEN}, 1);
      const state = Atomics.load(words, ${STATE});
      if ((state & 3) === ${PHASE_FIRING}) Atomics.compareExchange(words, ${STATE}, state, state & ~3);
      Atomics.notify(words, ${STATE});
      continue;
    }
    // Someone else's (Ctrl+C). With listeners the main thread gives it to them and the holder stays
    // (leaving would set Node's default handler until the main thread puts theirs back, and npm's
    // second copy of a Ctrl+C would end the process there); with none, the process ends, as before.
    if (Atomics.load(words, ${LISTENERS}) > 0) {
      parentPort.postMessage('sigint');
      continue;
    }
    Atomics.store(words, ${HOLDER}, ${RETIRED});
    process.kill(process.pid, 'SIGINT');
    break;
  }
  // Leaving and entering again makes Node install its SIGINT handler again (see watchSigintListeners).
  if (Atomics.compareExchange(words, ${HOLDER}, ${CYCLE}, 0) !== ${CYCLE}) break;
}
Atomics.store(words, ${HOLDER}, ${RETIRED});
parentPort.postMessage('retired');
`;

export class ScriptWatchdog {
  private readonly words = new Int32Array(new SharedArrayBuffer(6 * 4));
  private readonly epoch = Math.floor(performance.timeOrigin + performance.now());
  private readonly holder: workerThreads.Worker;
  private holding = false;
  private retired = false;
  private active = false;
  private generation = 0;
  /** Runs this watchdog stopped. */
  private stopped = 0;
  private readonly holdingWaiters: Array<(holding: boolean) => void> = [];
  /** Re-raise SIGINT for the process once the holder is gone. */
  private reraise = false;

  constructor(private readonly runner: ContextifyRun) {
    this.holder = new workerThreads.Worker(HOLDER_SOURCE, { eval: true, workerData: { shared: this.words.buffer, epoch: this.epoch } });
    this.holder.on('message', (message: unknown) => {
      if (message === 'holding') {
        this.holding = !this.retired;
        for (const resolve of this.holdingWaiters.splice(0)) resolve(this.holding);
      }
      if (message === 'retired') this.onRetired();
      if (message === 'sigint') process.emit('SIGINT', 'SIGINT');
    });
    this.holder.on('error', () => this.retire());
    this.holder.on('exit', () => {
      this.holding = false;
      this.retired = true;
    });
    // After the listeners: adding one refs the worker again. The holder never keeps the process alive.
    this.holder.unref();
    this.watchSigintListeners();
  }

  /**
   * Adding the process's first SIGINT listener, or removing its last, replaces the process's SIGINT
   * handler (libuv's, or the default), and then the holder's SIGINT would reach the listeners or end
   * the process. The holder leaves and enters its run again: Node's SIGINT helper, started anew,
   * installs its handler again. Until then runs use vm's `timeout`.
   */
  private watchSigintListeners(): void {
    Atomics.store(this.words, LISTENERS, process.listenerCount('SIGINT'));
    const onChange = (event: string | symbol, added: boolean): void => {
      if (event !== 'SIGINT' || this.retired) return;
      // 'newListener' comes before the listener is added, 'removeListener' after it is removed.
      Atomics.store(this.words, LISTENERS, process.listenerCount('SIGINT') + (added ? 1 : 0));
      this.holding = false;
      Atomics.compareExchange(this.words, HOLDER, 0, CYCLE);
      Atomics.notify(this.words, STATE);
    };
    process.on('newListener', (event: string | symbol) => onChange(event, true));
    process.on('removeListener', (event: string | symbol) => onChange(event, false));
  }

  /** How many runs this watchdog stopped. */
  get runsStopped(): number {
    return this.stopped;
  }

  /** Resolves when the holder holds (true), or false when it never will again. */
  whenHolding(): Promise<boolean> {
    if (this.ready()) return Promise.resolve(true);
    if (this.retired) return Promise.resolve(false);
    return new Promise((resolve) => this.holdingWaiters.push(resolve));
  }

  /** True while the holder holds: `run` then needs no thread of its own. */
  ready(): boolean {
    return this.holding && !this.retired;
  }

  /**
   * Runs `script` in `context`, stopped after `timeoutMs` with an error whose code is
   * ERR_SCRIPT_EXECUTION_TIMEOUT. Only call it when `ready()`. A run inside another (another
   * runtime's script called from a script) shares the outer one's deadline.
   */
  run(script: vm.Script, context: vm.Context, timeoutMs: number): unknown {
    if (this.active) return script.runInContext(context);
    const generation = (this.generation = (this.generation + 1) & 0x1fffffff);
    const armed = (generation << 2) | PHASE_ARMED;
    Atomics.store(this.words, DEADLINE, this.now() + timeoutMs);
    Atomics.store(this.words, STATE, armed);
    this.active = true;
    let value: unknown;
    try {
      // vm.Script#runInContext would take the process's SIGINT listeners off for the run and put them
      // back after, and putting them back hands the signal to them instead of to Node's SIGINT helper.
      value = this.runner.call(script, context, -1, true, true, false);
    } catch (err) {
      this.active = false;
      if ((err as { code?: unknown } | null)?.code !== SCRIPT_INTERRUPTED_CODE) {
        this.disarm(armed);
        throw err;
      }
      if (Atomics.compareExchange(this.words, STATE, (generation << 2) | PHASE_FIRING, generation << 2) === ((generation << 2) | PHASE_FIRING)) {
        this.stopped++;
        Atomics.add(this.words, TAKEN, 1);
        throw Object.assign(new Error(`Script execution timed out after ${timeoutMs}ms`), { code: SCRIPT_TIMEOUT_CODE });
      }
      // Not ours: Ctrl+C while a script ran. The script stops (as the process would have), then the signal goes on.
      this.disarm(armed);
      if (process.listenerCount('SIGINT') > 0) {
        setImmediate(() => process.emit('SIGINT', 'SIGINT'));
      } else {
        this.reraise = true;
        this.retire();
      }
      throw Object.assign(new Error('Script execution was interrupted by SIGINT'), { code: SCRIPT_INTERRUPTED_CODE });
    }
    this.active = false;
    this.disarm(armed);
    return value;
  }

  /**
   * Ends the run's watch. When the holder already sent its SIGINT (the run ended just too late), waits
   * until it is taken, here or by the holder, so that it cannot stop the next run.
   */
  private disarm(armed: number): void {
    if (Atomics.compareExchange(this.words, STATE, armed, armed & ~3) === armed) return;
    const firing = (armed & ~3) | PHASE_FIRING;
    try {
      this.runner.call(ABSORB, this.absorbContext(firing), -1, false, true, false);
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code !== SCRIPT_INTERRUPTED_CODE) throw err;
      Atomics.add(this.words, TAKEN, 1);
    }
    Atomics.compareExchange(this.words, STATE, firing, armed & ~3);
    Atomics.notify(this.words, STATE);
  }

  private absorbing: vm.Context | null = null;

  private absorbContext(firing: number): vm.Context {
    this.absorbing ??= vm.createContext({ Atomics, words: this.words, STATE, firing: 0, until: 0, Date });
    Object.assign(this.absorbing, { firing, until: Date.now() + 10_000 });
    return this.absorbing;
  }

  private now(): number {
    return Math.floor(performance.timeOrigin + performance.now()) - this.epoch;
  }

  /** Asks the holder to leave its run; later runs use vm's `timeout`. */
  private retire(): void {
    this.retired = true;
    this.holding = false;
    Atomics.store(this.words, HOLDER, RETIRE);
    Atomics.notify(this.words, STATE);
  }

  private onRetired(): void {
    // The holder re-raised a SIGINT it caught itself; one caught by a main-thread run is raised here.
    const external = this.reraise;
    this.retired = true;
    this.holding = false;
    for (const resolve of this.holdingWaiters.splice(0)) resolve(false);
    if (!external) return;
    this.reraise = false;
    // The SIGINT helper, stopping, set Node's default handler; re-adding the listeners gives it back to them.
    const listeners = process.rawListeners('SIGINT') as Array<(...args: unknown[]) => void>;
    process.removeAllListeners('SIGINT');
    for (const listener of listeners) process.on('SIGINT', listener);
    process.kill(process.pid, 'SIGINT');
  }
}

/** Waits, interruptible, until the holder's SIGINT arrives here or at the holder (at most 10 s; if later, the holder takes it). */
const ABSORB = new vm.Script('while (Atomics.load(words, STATE) === firing && Date.now() < until) {}', { filename: 'local-instance:script-watchdog' });

const SHARED_KEY = Symbol.for('incident-sn.local-instance.script-watchdog');

/**
 * The process's watchdog for main-thread scripts, started on first use; null where it cannot serve
 * (worker threads, or a Node whose vm.Script lacks the runner it relies on): use vm's `timeout` there.
 * It is kept on a core module so that every copy of this file in one process (jest loads one per test
 * file) shares one holder.
 */
export function mainThreadWatchdog(): ScriptWatchdog | null {
  if (!workerThreads.isMainThread) return null;
  const shared = workerThreads as unknown as Record<symbol, ScriptWatchdog | null | undefined>;
  if (shared[SHARED_KEY] === undefined) {
    const runner = (Object.getPrototypeOf(vm.Script.prototype) as { runInContext?: unknown }).runInContext;
    shared[SHARED_KEY] = typeof runner === 'function' ? new ScriptWatchdog(runner as ContextifyRun) : null;
  }
  return shared[SHARED_KEY] ?? null;
}
