import { EventEmitter } from 'node:events';
import type { SqliteDatabase } from '../db/database';
import { formatDateTime, newSysId } from './values';

/**
 * The durable job queue (rows of `sys_trigger`). Any thread may enqueue and claim: a claim is one
 * `UPDATE … RETURNING` statement, atomic under SQLite's write lock, so two workers never get the
 * same job. The queue does not run anything; the runtime's scheduler claims jobs and runs them.
 *
 * Cross-thread wake-up: `onQueued` fires in the thread that enqueued (after the current synchronous
 * work, i.e. after the enqueuing transaction committed). A scheduler in another thread either polls
 * `nextRunAt()` or has the main thread forward this event to it (postMessage).
 */

export type JobState = 'ready' | 'running' | 'done' | 'error';

export interface Job {
  sysId: string;
  name: string;
  jobType: string;
  payload: unknown;
  state: JobState;
  runAtMs: number;
  attempts: number;
  claimedBy: string;
  lastError: string;
  document: string;
  documentKey: string;
}

export interface EnqueueOptions {
  jobType: string;
  payload: unknown;
  /** Epoch ms when the job becomes due (default: now). */
  runAtMs?: number;
  name?: string;
  /** Lower runs first among jobs due at the same time (default 100). */
  priority?: number;
  /** Table and sys_id the job is about, if any. */
  document?: string;
  documentKey?: string;
  /** Who queued it (sys_created_by). */
  createdBy?: string;
}

interface JobRow {
  sys_id: string;
  name: string | null;
  job_type: string | null;
  payload: string | null;
  state: string | null;
  run_at_ms: string | null;
  attempts: string | null;
  claimed_by: string | null;
  last_error: string | null;
  document: string | null;
  document_key: string | null;
}

function toJob(row: JobRow): Job {
  let payload: unknown = null;
  try {
    payload = row.payload ? JSON.parse(row.payload) : null;
  } catch {
    payload = row.payload;
  }
  return {
    sysId: row.sys_id,
    name: row.name ?? '',
    jobType: row.job_type ?? '',
    payload,
    state: (row.state ?? 'ready') as JobState,
    runAtMs: Number(row.run_at_ms ?? 0),
    attempts: Number(row.attempts ?? 0),
    claimedBy: row.claimed_by ?? '',
    lastError: row.last_error ?? '',
    document: row.document ?? '',
    documentKey: row.document_key ?? '',
  };
}

export class JobQueue {
  private readonly events = new EventEmitter();
  private readonly insertStmt;
  private readonly claimStmt;
  private readonly claimTypedStmt;
  private readonly completeStmt;
  private readonly failStmt;
  private readonly retryStmt;
  private readonly releaseStmt;
  private readonly nextStmt;
  private readonly getStmt;
  private readonly nextOfTypesStmt;
  private readonly releaseWorkerStmt;
  private readonly pendingStmt;
  private readonly cancelReadyStmt;
  private readonly queuedForStmt;

  constructor(
    db: SqliteDatabase,
    private readonly clock: () => number,
  ) {
    this.events.setMaxListeners(0);
    this.insertStmt = db.prepare(`INSERT INTO "sys_trigger" (sys_id, name, job_type, payload, state, run_at, run_at_ms, priority, attempts,
        document, document_key, sys_created_on, sys_created_by, sys_updated_on, sys_updated_by, sys_mod_count)
      VALUES (@sys_id, @name, @job_type, @payload, 'ready', @run_at, @run_at_ms, @priority, '0', @document, @document_key, @now, @by, @now, @by, '0')`);
    const claimSql = (typed: boolean) => `UPDATE "sys_trigger" SET state = 'running', claimed_by = @worker, claimed_at = @now_text,
        attempts = CAST(COALESCE(attempts, '0') AS INTEGER) + 1, sys_updated_on = @now_text, sys_updated_by = 'system',
        sys_mod_count = CAST(COALESCE(sys_mod_count, '0') AS INTEGER) + 1
      WHERE sys_id = (SELECT sys_id FROM "sys_trigger" WHERE state = 'ready' AND CAST(run_at_ms AS INTEGER) <= @now
        ${typed ? 'AND job_type IN (SELECT value FROM json_each(@types))' : ''}
        ORDER BY CAST(run_at_ms AS INTEGER), CAST(COALESCE(priority, '100') AS INTEGER), rowid LIMIT 1)
      RETURNING *`;
    this.claimStmt = db.prepare(claimSql(false));
    this.claimTypedStmt = db.prepare(claimSql(true));
    this.completeStmt = db.prepare(
      `UPDATE "sys_trigger" SET state = 'done', sys_updated_on = ?, sys_mod_count = CAST(COALESCE(sys_mod_count, '0') AS INTEGER) + 1 WHERE sys_id = ? AND state = 'running'`,
    );
    this.failStmt = db.prepare(
      `UPDATE "sys_trigger" SET state = 'error', last_error = ?, sys_updated_on = ?, sys_mod_count = CAST(COALESCE(sys_mod_count, '0') AS INTEGER) + 1 WHERE sys_id = ?`,
    );
    this.retryStmt = db.prepare(
      `UPDATE "sys_trigger" SET state = 'ready', last_error = ?, run_at = ?, run_at_ms = ?, claimed_by = NULL, sys_updated_on = ?,
        sys_mod_count = CAST(COALESCE(sys_mod_count, '0') AS INTEGER) + 1 WHERE sys_id = ?`,
    );
    this.releaseStmt = db.prepare(
      `UPDATE "sys_trigger" SET state = 'ready', claimed_by = NULL WHERE state = 'running' AND claimed_at <= ?`,
    );
    this.nextStmt = db.prepare<[], { at: number | null }>(`SELECT MIN(CAST(run_at_ms AS INTEGER)) AS at FROM "sys_trigger" WHERE state = 'ready'`);
    this.getStmt = db.prepare<[string], JobRow>(`SELECT * FROM "sys_trigger" WHERE sys_id = ?`);
    this.nextOfTypesStmt = db.prepare<[string], { at: number | null }>(
      `SELECT MIN(CAST(run_at_ms AS INTEGER)) AS at FROM "sys_trigger" WHERE state = 'ready' AND job_type IN (SELECT value FROM json_each(?))`,
    );
    this.releaseWorkerStmt = db.prepare(`UPDATE "sys_trigger" SET state = 'ready', claimed_by = NULL WHERE state = 'running' AND claimed_by = ?`);
    this.pendingStmt = db.prepare<[string], { sys_id: string; document_key: string | null }>(
      `SELECT sys_id, document_key FROM "sys_trigger" WHERE job_type = ? AND state IN ('ready', 'running') AND COALESCE(json_extract(payload, '$.runNow'), 0) = 0`,
    );
    this.cancelReadyStmt = db.prepare(`DELETE FROM "sys_trigger" WHERE sys_id = ? AND state = 'ready'`);
    this.queuedForStmt = db.prepare(`SELECT 1 FROM "sys_trigger" WHERE job_type = ? AND document_key = ? LIMIT 1`);
  }

  /** Queues a job; returns its sys_id. Inside a transaction, the job exists only if it commits. */
  enqueue(options: EnqueueOptions): string {
    const now = this.clock();
    const runAt = options.runAtMs ?? now;
    const sysId = newSysId();
    this.insertStmt.run({
      sys_id: sysId,
      name: options.name ?? options.jobType,
      job_type: options.jobType,
      payload: JSON.stringify(options.payload ?? null),
      run_at: formatDateTime(runAt),
      run_at_ms: String(Math.floor(runAt)),
      priority: String(options.priority ?? 100),
      document: options.document ?? null,
      document_key: options.documentKey ?? null,
      now: formatDateTime(now),
      by: options.createdBy ?? 'system',
    });
    setImmediate(() => this.events.emit('queued', { sysId, jobType: options.jobType, runAtMs: runAt }));
    return sysId;
  }

  /** Claims the next due job (optionally of the given types) for `workerId`; null when none is due. */
  claim(workerId: string, jobTypes?: readonly string[]): Job | null {
    const now = this.clock();
    const params = { worker: workerId, now, now_text: formatDateTime(now) };
    const row = (jobTypes ? this.claimTypedStmt.get({ ...params, types: JSON.stringify(jobTypes) }) : this.claimStmt.get(params)) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  complete(sysId: string): void {
    this.completeStmt.run(formatDateTime(this.clock()), sysId);
  }

  /** Marks a job failed; with `retryAtMs` it becomes ready again at that time instead. */
  fail(sysId: string, error: string, retryAtMs?: number): void {
    const now = formatDateTime(this.clock());
    if (retryAtMs === undefined) this.failStmt.run(error.slice(0, 4000), now, sysId);
    else this.retryStmt.run(error.slice(0, 4000), formatDateTime(retryAtMs), String(Math.floor(retryAtMs)), now, sysId);
  }

  /** Puts back jobs claimed before `claimedBeforeMs` whose worker died. Returns how many. */
  releaseStale(claimedBeforeMs: number): number {
    return this.releaseStmt.run(formatDateTime(claimedBeforeMs)).changes;
  }

  /** When the next ready job is due (epoch ms), or null when the queue is empty. */
  nextRunAt(): number | null {
    const at = this.nextStmt.get()?.at;
    return at === null || at === undefined ? null : Number(at);
  }

  /** When the next ready job of one of these types is due (epoch ms), or null. */
  nextRunAtOf(jobTypes: readonly string[]): number | null {
    const at = this.nextOfTypesStmt.get(JSON.stringify(jobTypes))?.at;
    return at === null || at === undefined ? null : Number(at);
  }

  /** Puts back the jobs a worker had claimed (the worker exited). Returns how many. */
  releaseClaimedBy(workerId: string): number {
    return this.releaseWorkerStmt.run(workerId).changes;
  }

  /** Jobs of a type waiting or running, except runs asked for now (payload.runNow): their sys_id and document key. */
  pendingOfType(jobType: string): Array<{ sysId: string; documentKey: string }> {
    return this.pendingStmt.all(jobType).map((r) => ({ sysId: r.sys_id, documentKey: r.document_key ?? '' }));
  }

  /** Removes a job that has not started; false when it is running, done or gone. */
  cancelReady(sysId: string): boolean {
    return this.cancelReadyStmt.run(sysId).changes > 0;
  }

  /** Whether a job of the type was ever queued for a document (whatever its state now). */
  everQueuedFor(jobType: string, documentKey: string): boolean {
    return this.queuedForStmt.get(jobType, documentKey) !== undefined;
  }

  get(sysId: string): Job | null {
    const row = this.getStmt.get(sysId);
    return row ? toJob(row) : null;
  }

  /** Calls `listener` whenever this thread queues a job. Returns a function that unsubscribes. */
  onQueued(listener: (job: { sysId: string; jobType: string; runAtMs: number }) => void): () => void {
    this.events.on('queued', listener);
    return () => this.events.off('queued', listener);
  }
}
