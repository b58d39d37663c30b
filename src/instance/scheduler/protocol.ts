import type { JobOutcome } from './job-runner';

/** Messages between the scheduler (main thread) and its worker threads. */

export interface SchedulerWorkerData {
  dbFile: string;
  workerId: string;
  pollIntervalMs: number;
  scriptTimeoutMs: number;
  paused: boolean;
}

export type ToWorker = { type: 'wake' } | { type: 'pause' } | { type: 'resume' } | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'queued' }
  /** Found nothing to claim and is going to sleep (until woken, the next due job, or the poll). */
  | { type: 'idle' }
  | { type: 'paused' }
  | { type: 'started'; sysId: string }
  | { type: 'done'; outcome: JobOutcome }
  | { type: 'log'; level: 'warn' | 'error'; message: string };
