import type { JobOutcome } from './job-runner';

/** Messages between the scheduler (main thread) and its worker threads. */

export interface SchedulerWorkerData {
  dbFile: string;
  workerId: string;
  pollIntervalMs: number;
  scriptTimeoutMs: number;
  paused: boolean;
}

export type ToWorker =
  /** `idleSeen`: the last idle report the main thread had read when it woke the worker. */
  | { type: 'wake'; idleSeen: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'queued' }
  /** Found nothing to claim and is going to sleep (until woken, the next due job, or the poll); `seq` counts these reports. */
  | { type: 'idle'; seq: number }
  | { type: 'paused' }
  /** Claimed a job while the main thread may still count it idle (it claimed on its own timer). */
  | { type: 'started'; sysId: string }
  | { type: 'done'; outcome: JobOutcome }
  | { type: 'log'; level: 'warn' | 'error'; message: string };
