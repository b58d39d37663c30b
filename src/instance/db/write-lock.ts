import type { SqliteDatabase } from './database';

/** The waits between two tries of the write lock, in ms: short at first, then up to 1 ms. */
const FIRST_WAIT_MS = 0.05;
const LONGEST_WAIT_MS = 1;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function isBusy(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'SQLITE_BUSY';
}

/**
 * Starts write transactions (BEGIN IMMEDIATE) without SQLite's busy handler, whose first wait is a
 * 1 ms sleep, then 2, 5, 10 ms and more. On the instance another thread holds the write lock for a
 * fraction of a millisecond (a scheduler worker's outbox update, a job's claim), so a user's write
 * that met it slept several times longer than the lock was held, where a real instance's row locks
 * would not have made it wait at all. Here the lock is tried without waiting and tried again after
 * short sleeps (the thread sleeps, leaving the core to the holder) until the connection's busy
 * timeout; statements inside the transaction keep the busy timeout.
 */
export class WriteLock {
  // Executed as text each time: SQLite applies a busy_timeout pragma when it prepares it, so a
  // prepared one would not set anything when run again.
  private readonly noWait = 'PRAGMA busy_timeout = 0';
  private readonly wait: string;
  /** Whether the current try got inside its transaction (the lock was taken). */
  private inside = false;
  /** The transaction function, made once (better-sqlite3 builds a new one per transaction() call). */
  private readonly transaction;
  constructor(
    private readonly db: SqliteDatabase,
    private readonly busyTimeoutMs: number,
    /** Counts the transactions that found the lock taken, and the time they waited for it (ms). */
    private readonly stats: { writeLockWaits: number; writeLockWaitedMs: number },
  ) {
    this.wait = `PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`;
    this.transaction = db.transaction((fn: () => unknown): unknown => {
      this.inside = true;
      this.db.exec(this.wait);
      return fn();
    });
  }

  /** Runs `fn` in a new write transaction (the caller checked that none is open, so runs do not nest). */
  run<T>(fn: () => T): T {
    let started = 0;
    let waitMs = FIRST_WAIT_MS;
    for (;;) {
      this.inside = false;
      this.db.exec(this.noWait);
      try {
        const result = this.transaction.immediate(fn) as T;
        if (started) this.stats.writeLockWaitedMs += performance.now() - started;
        return result;
      } catch (err) {
        if (this.inside || !isBusy(err)) throw err;
        if (!started) {
          started = performance.now();
          this.stats.writeLockWaits++;
        }
        if (performance.now() - started >= this.busyTimeoutMs) {
          this.stats.writeLockWaitedMs += performance.now() - started;
          throw err;
        }
      } finally {
        if (!this.inside) this.db.exec(this.wait);
      }
      Atomics.wait(sleeper, 0, 0, waitMs);
      waitMs = Math.min(waitMs * 2, LONGEST_WAIT_MS);
    }
  }
}
