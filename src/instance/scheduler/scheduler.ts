import type { Worker } from 'node:worker_threads';
import { IncidentSnError } from '../../shared/errors';
import { siblingModule, startModuleWorker } from '../../shared/module-worker';
import type { Logger } from 'pino';
import { queryCondition } from '../query';
import { DEFAULT_SCRIPT_TIMEOUT_MS } from '../runtime/script-runtime';
import type { InstanceEngine } from '../records/engine';
import { isSysId } from '../records/values';
import type { JobOutcome } from './job-runner';
import type { FromWorker, SchedulerWorkerData, ToWorker } from './protocol';
import { queueScheduledRun, syncScheduledTriggers } from './schedule';
import { tracePoint } from '../../shared/latency-trace';

/**
 * The instance's scheduler: worker threads that run async business rules and scheduled jobs off the
 * thread serving HTTP (a script blocked on an outbound call never blocks the Table API, and a
 * receiver living in the same process can still answer it).
 *
 * - Workers start on demand: when a job is queued, or at start when jobs are waiting (an instance
 *   without an app and without jobs runs no threads).
 * - Pushes are prompt: a job queued (on the main thread, or by a worker through the main thread)
 *   wakes one idle worker at once (postMessage), not all of them: the others would only race for the
 *   same job. A worker reports when it goes idle; one that reports idle after a job was queued since
 *   it was last woken is woken once more, so a job queued just as it looked is not left waiting.
 *   A worker woken here runs its job without telling this thread it started (one message less, and
 *   one wake of this thread less, on every push's path): a wake carries the last idle report read
 *   here, so the worker knows whether this thread counts it busy already; one that claims on its own
 *   timer, or was woken before its latest idle report was read, says `started`.
 *   Workers also wake when the next job is due and poll slowly as a safety net.
 * - Durable: jobs live in sys_trigger. Jobs claimed by a previous process (or by a worker that died)
 *   are put back and run again.
 * - `runNow(job)` is the platform's "Execute Now" for a scheduled job; `pause()`/`resume()` hold the
 *   workers (tests use it to look at the queue before it drains).
 */

export interface SchedulerOptions {
  /** Worker threads (default 2). */
  workers?: number;
  /** Safety-net poll interval of an idle worker, ms (default 1000). */
  pollIntervalMs?: number;
  /** Longest a script may run, ms (default 120 s). */
  scriptTimeoutMs?: number;
  /** Start paused (no job runs until resume()). */
  paused?: boolean;
}

interface WorkerSlot {
  id: string;
  worker: Worker;
  ready: Promise<void>;
  /** Asleep with nothing to claim (reported by the worker; cleared when woken). */
  idle: boolean;
  /** `queued` when the worker was last woken (or started): it has looked for every job queued before. */
  seenQueued: number;
  /** The worker's last idle report read here (its `seq`), sent back with a wake. */
  idleSeen: number;
}

const STOP_GRACE_MS = 3000;
const MAX_RESTARTS = 5;

export class SchedulerError extends IncidentSnError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'scheduler_failed', ...options });
  }
}

export class Scheduler {
  private readonly slots = new Map<string, WorkerSlot>();
  private readonly waiters = new Map<string, Array<(outcome: JobOutcome) => void>>();
  private readonly options: Required<SchedulerOptions>;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private closed = false;
  private paused: boolean;
  private restarts = 0;
  /** Jobs queued so far (wake() calls): tells a worker reporting idle whether it may have missed one. */
  private queued = 0;
  private nextWorker = 1;

  constructor(
    private readonly engine: InstanceEngine,
    private readonly logger: Logger,
    options: SchedulerOptions = {},
  ) {
    this.options = {
      workers: Math.max(1, Math.floor(options.workers ?? 2)),
      pollIntervalMs: Math.max(10, options.pollIntervalMs ?? 1000),
      scriptTimeoutMs: options.scriptTimeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS,
      paused: options.paused ?? false,
    };
    this.paused = this.options.paused;
  }

  /** Puts back jobs orphaned by a previous run, schedules the scheduled jobs, starts workers if there is work. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const released = this.engine.jobs.releaseStale(this.engine.now());
    if (released > 0) this.logger.info({ released }, 'jobs interrupted by a previous run will run again');
    this.syncScheduledJobs();
    this.unsubscribe = this.engine.jobs.onQueued(() => this.wake());
    this.timer = setInterval(() => this.syncScheduledJobs(), this.options.pollIntervalMs);
    this.timer.unref();
    if (this.engine.jobs.nextRunAt() !== null) this.ensureWorkers();
  }

  /**
   * Scheduled jobs changed (an install, a Table API edit): keep one pending trigger per active job.
   * Runs on a timer (every pollIntervalMs), once per metadata version: after any metadata write
   * (sysauto_script, sys_properties, ...) the next tick opens a write transaction on this thread.
   * Called directly, it does that work now, so the timer's next tick has none left until metadata
   * changes again (a test that counts this thread's write transactions settles it first).
   */
  syncScheduledJobs(): void {
    if (this.closed) return;
    try {
      this.engine.cachedByMetadata('scheduler:triggers-synced', () => {
        syncScheduledTriggers(this.engine);
        return true;
      });
    } catch (err) {
      this.logger.warn({ err }, 'could not synchronise scheduled jobs');
    }
  }

  /** A job was queued: wakes one idle worker (starting workers if needed). Busy workers claim it when done. */
  wake(): void {
    if (this.closed) return;
    tracePoint('sn.wake');
    this.queued++;
    this.ensureWorkers();
    for (const slot of this.slots.values()) {
      if (!slot.idle) continue;
      this.wakeSlot(slot);
      return;
    }
  }

  /** Wakes every worker (run now, resume, a worker lost). */
  wakeAll(): void {
    if (this.closed) return;
    this.ensureWorkers();
    for (const slot of this.slots.values()) this.wakeSlot(slot);
  }

  private wakeSlot(slot: WorkerSlot): void {
    slot.idle = false;
    slot.seenQueued = this.queued;
    tracePoint('sn.wake.sent');
    this.send(slot, { type: 'wake', idleSeen: slot.idleSeen });
  }

  /** A worker found nothing to claim; if a job was queued since it was woken, it looks once more. */
  private wentIdle(slot: WorkerSlot, seq: number): void {
    slot.idle = true;
    slot.idleSeen = seq;
    if (this.paused || this.closed) return;
    if (this.queued > slot.seenQueued) this.wakeSlot(slot);
  }

  private send(slot: WorkerSlot, message: ToWorker): void {
    try {
      slot.worker.postMessage(message);
    } catch {
      // The worker is exiting; its exit handler takes care of it.
    }
  }

  private ensureWorkers(): void {
    if (this.closed || !this.started) return;
    while (this.slots.size < this.options.workers) this.spawn();
  }

  private spawn(): void {
    const id = `scheduler-${process.pid}-${this.nextWorker++}`;
    const data: SchedulerWorkerData = {
      dbFile: this.engine.dbFile,
      workerId: id,
      pollIntervalMs: this.options.pollIntervalMs,
      scriptTimeoutMs: this.options.scriptTimeoutMs,
      paused: this.paused,
    };
    const worker = startModuleWorker(siblingModule(__dirname, __filename, 'worker'), { workerData: data });
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const slot: WorkerSlot = { id, worker, ready, idle: false, seenQueued: this.queued, idleSeen: 0 };
    this.slots.set(id, slot);
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') markReady();
      else if (message.type === 'queued') this.wake();
      else if (message.type === 'idle') this.wentIdle(slot, message.seq);
      else if (message.type === 'started') slot.idle = false;
      else if (message.type === 'done') this.finished(message.outcome);
      else if (message.type === 'log') this.logger[message.level]({ worker: id }, message.message);
    });
    worker.on('error', (err) => this.logger.error({ err, worker: id }, 'scheduler worker failed'));
    worker.on('exit', (code) => this.exited(slot, code));
  }

  private exited(slot: WorkerSlot, code: number): void {
    this.slots.delete(slot.id);
    if (this.closed) return;
    // Jobs the worker had claimed run again on another worker.
    const released = this.engine.jobs.releaseClaimedBy(slot.id);
    this.logger.warn({ worker: slot.id, code, released }, 'a scheduler worker exited');
    if (this.restarts++ < MAX_RESTARTS) this.wakeAll();
  }

  private finished(outcome: JobOutcome): void {
    const waiting = this.waiters.get(outcome.sysId);
    if (!waiting) return;
    this.waiters.delete(outcome.sysId);
    for (const resolve of waiting) resolve(outcome);
  }

  /** Resolves when the job (a sys_trigger sys_id) has run. */
  waitForJob(sysId: string): Promise<JobOutcome> {
    return new Promise((resolve) => {
      const list = this.waiters.get(sysId) ?? [];
      list.push(resolve);
      this.waiters.set(sysId, list);
      // The job may have finished already (or on a worker that then died and another reran it).
      const job = this.engine.jobs.get(sysId);
      if (job && (job.state === 'done' || job.state === 'error')) {
        this.finished({ sysId, name: job.name, jobType: job.jobType, state: job.state, error: job.lastError, durationMs: 0 });
      }
    });
  }

  /**
   * Runs a scheduled job now, whatever its schedule (by sys_id or name), and resolves when it has
   * run. The job's own schedule is unchanged.
   */
  async runNow(nameOrSysId: string): Promise<JobOutcome> {
    if (this.closed) throw new SchedulerError('the scheduler is stopped');
    const sysId = this.queueRunNow(nameOrSysId);
    return this.waitForJob(sysId);
  }

  /** Queues a run-now job and returns its sys_trigger sys_id. */
  queueRunNow(nameOrSysId: string): string {
    const engine = this.engine;
    const key = nameOrSysId.trim();
    const query = isSysId(key) ? queryCondition('sys_id', '=', key) : queryCondition('name', '=', key);
    const job = engine.query('sysauto_script', { query, limit: 1, session: engine.systemSession() }).records[0];
    if (!job) throw new SchedulerError(`no scheduled job (sysauto_script) ${isSysId(key) ? 'with sys_id' : 'named'} ${JSON.stringify(key)}`);
    const sysId = queueScheduledRun(engine, job.values, engine.now(), true);
    this.wake();
    return sysId;
  }

  /** Holds the workers; resolves once none of them runs a job any more. */
  async pause(): Promise<void> {
    this.paused = true;
    await Promise.all(
      [...this.slots.values()].map(async (slot) => {
        await slot.ready;
        await new Promise<void>((resolve) => {
          const onMessage = (message: FromWorker): void => {
            if (message.type !== 'paused') return;
            slot.worker.off('message', onMessage);
            slot.worker.off('exit', resolve);
            resolve();
          };
          slot.worker.on('message', onMessage);
          slot.worker.once('exit', () => resolve());
          this.send(slot, { type: 'pause' });
        });
      }),
    );
  }

  resume(): void {
    this.paused = false;
    for (const slot of this.slots.values()) this.send(slot, { type: 'resume' });
    this.wakeAll();
  }

  /** Number of running worker threads. */
  workerCount(): number {
    return this.slots.size;
  }

  /** Resolves once every worker has started (for tests that time how fast a push goes out). */
  async ready(): Promise<void> {
    this.ensureWorkers();
    await Promise.all([...this.slots.values()].map((s) => s.ready));
  }

  /** Stops the workers: each finishes its current job (or is terminated after a grace period). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    const exits = [...this.slots.values()].map(
      (slot) =>
        new Promise<void>((resolve) => {
          const grace = setTimeout(() => {
            void slot.worker.terminate().then(() => resolve());
          }, STOP_GRACE_MS);
          slot.worker.once('exit', () => {
            clearTimeout(grace);
            resolve();
          });
          this.send(slot, { type: 'stop' });
        }),
    );
    await Promise.all(exits);
    this.slots.clear();
    this.waiters.clear();
  }
}
