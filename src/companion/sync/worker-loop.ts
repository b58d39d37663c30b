import type { Logger } from 'pino';
import { describeError } from '../../shared/errors';

/**
 * A background loop with a few slots: each slot runs `step` again and again; a step that found
 * nothing to do makes the slot wait `idleMs`, or less when `wake()` is called (new work stored by
 * this process). `stop()` lets the steps in progress finish within a grace period, then aborts
 * them through the signal they were given.
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

  /** Wakes idle slots now. */
  wake(): void {
    this.wakeRequested = true;
    for (const resolve of [...this.waiters]) resolve();
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
      if (!worked && !this.stopping) await this.idle(this.options.idleMs);
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        this.wakeRequested = false;
        this.lastBeatAt = Date.now();
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}
