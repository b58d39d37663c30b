import type { Logger } from 'pino';
import { describeError } from '../../shared/errors';
import { latencyTraceOn, tracePoint } from '../../shared/latency-trace';

/**
 * A background loop with a few slots: each slot runs `step` again and again. A step that found
 * nothing to do puts the slot to sleep until `wake()` (new work stored by this process) or until
 * the next work is due. An idle slot does not claim in a loop: when its timer ends it first asks
 * `nextDueAt` (a cheap read of open rows) and only claims when something is due; otherwise it
 * sleeps again, at most `idleMs` at a time (work another process stored is noticed that soon).
 * `stop()` lets the steps in progress finish within a grace period, then aborts them through the
 * signal they were given.
 */

export type Step = (signal: AbortSignal) => Promise<boolean>;

export interface WorkerLoopOptions {
  name: string;
  concurrency: number;
  idleMs: number;
  step: Step;
  logger: Logger;
  /** Wait after a step threw (a bug or the database gone), ms. Default 1 s. */
  errorPauseMs?: number;
  /** When the next work is due (null: none); without it, an idle slot claims again every `idleMs`. */
  nextDueAt?: () => Promise<Date | null>;
  clock?: () => Date;
}

export interface WorkerLoopStatus {
  name: string;
  running: boolean;
  /** When a slot last finished a step or an idle wait (epoch ms). */
  lastBeatAt: number;
  /** Steps in progress. */
  busy: number;
}

export class WorkerLoop {
  private readonly abort = new AbortController();
  private readonly waiters = new Set<() => void>();
  private slots: Promise<void>[] = [];
  private running = false;
  private stopping = false;
  private lastBeatAt = Date.now();
  private busy = 0;
  private wakeRequested = false;

  constructor(private readonly options: WorkerLoopOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.slots = Array.from({ length: Math.max(1, this.options.concurrency) }, () => this.run());
  }

  /** Wakes every idle slot now (work of unknown size: stored by another process, freed, a batch). */
  wake(): void {
    this.wakeRequested = true;
    for (const resolve of [...this.waiters]) resolve();
  }

  /**
   * One unit of new work: wakes one idle slot (the others would only race it for the same row and
   * queue their claims ahead of its work); with none idle, the next slot to finish a step claims
   * again instead of sleeping.
   */
  wakeOne(): void {
    this.wakeRequested = true;
    const first = this.waiters.values().next();
    if (!first.done) first.value();
  }

  status(): WorkerLoopStatus {
    return { name: this.options.name, running: this.running && !this.stopping, lastBeatAt: this.lastBeatAt, busy: this.busy };
  }

  /** Stops taking work; waits up to `graceMs` for steps in progress, then aborts them and waits for them to unwind. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.wake();
    const all = Promise.all(this.slots);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.abort.abort(new Error(`${this.options.name} is shutting down`));
      await all;
    }
    this.running = false;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let worked = false;
      this.busy += 1;
      try {
        worked = await this.options.step(this.abort.signal);
      } catch (err) {
        this.options.logger.error({ worker: this.options.name, err: describeError(err) }, 'a sync step failed; trying again shortly');
        await this.idle(this.options.errorPauseMs ?? 1_000);
      } finally {
        this.busy -= 1;
      }
      this.lastBeatAt = Date.now();
      if (!worked && !this.stopping) await this.sleepUntilDue();
    }
  }

  /** Sleeps until woken or until work is due; returns at once if a wake came during the step. */
  private async sleepUntilDue(): Promise<void> {
    const { idleMs, nextDueAt } = this.options;
    let delay = idleMs;
    let due = await this.dueIn();
    // Due already (work blocked behind another, or a race): look again after idleMs, not at once.
    if (due !== undefined && due > 0) delay = Math.min(idleMs, due);
    for (;;) {
      const woken = await this.idle(delay);
      if (woken || this.stopping || !nextDueAt) return;
      due = await this.dueIn();
      if (due === undefined || due <= 0) return;
      delay = Math.min(idleMs, due);
    }
  }

  /** Milliseconds until the next work is due; undefined when unknown (no reader, or it failed: claim to find out). */
  private async dueIn(): Promise<number | undefined> {
    if (!this.options.nextDueAt) return undefined;
    try {
      const next = await this.options.nextDueAt();
      const now = (this.options.clock ?? (() => new Date()))().getTime();
      return next === null ? Number.POSITIVE_INFINITY : next.getTime() - now;
    } catch (err) {
      this.options.logger.warn({ worker: this.options.name, err: describeError(err) }, 'could not read when work is due; claiming instead');
      return undefined;
    }
  }

  /** True when woken by wake() (or stop), false when the time ran out. */
  private idle(ms: number): Promise<boolean> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(onWake);
        this.wakeRequested = false;
        this.lastBeatAt = Date.now();
        resolve(woken);
      };
      const onWake = (): void => {
        if (latencyTraceOn) tracePoint(`c.${this.options.name}.woken`);
        done(true);
      };
      const timer = setTimeout(() => done(false), ms);
      this.waiters.add(onWake);
    });
  }
}
