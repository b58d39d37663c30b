import { sql, type Kysely } from 'kysely';
import { backoffDelayMs, type BackoffPolicy } from '../../server/lib/backoff';

/**
 * What differs between the two databases the store runs on, in one place: every query that is not
 * the same text on both asks this object, never `instanceof` a dialect.
 *
 * - SQLite runs one writer at a time, so every transaction is serializable for free; PostgreSQL's
 *   default (read committed) is not, so the store asks for SERIALIZABLE and runs a transaction
 *   again when PostgreSQL aborts it for a conflict with another replica (40001) or a deadlock (40P01).
 * - Claims on PostgreSQL lock the row they choose and skip rows other replicas hold
 *   (`FOR UPDATE SKIP LOCKED`), so replicas racing for work take different rows instead of queuing
 *   behind one; SQLite has no row locks (and needs none).
 */
export interface StoreBackend {
  readonly kind: 'sqlite' | 'postgres';
  /** Lock the chosen row and skip rows that others have locked. */
  readonly skipLockedClaims: boolean;
  /** SERIALIZABLE transactions, run again on a serialization failure. */
  readonly serializableTransactions: boolean;
  /** Transactions about one incident take turns on a lock (see withIncidentLock). */
  readonly incidentLocks: boolean;
  /** The outbound queue's `seq` comes from a sequence, not a counter row (migration 0014). */
  readonly outboundSeqSequence: boolean;
}

export const SQLITE_BACKEND: StoreBackend = { kind: 'sqlite', skipLockedClaims: false, serializableTransactions: false, incidentLocks: false, outboundSeqSequence: false };
export const POSTGRES_BACKEND: StoreBackend = { kind: 'postgres', skipLockedClaims: true, serializableTransactions: true, incidentLocks: true, outboundSeqSequence: true };

/**
 * How a store's commits survive a crash of the machine (a process crash loses nothing either way).
 * - `full` (every store by default): a commit is on disk before it returns. SQLite `synchronous =
 *   FULL`, PostgreSQL's default `synchronous_commit = on`.
 * - `relaxed` (only the catalog importer's own connection): the database stays consistent after a
 *   power loss or OS crash, but its last commits may be lost. SQLite in WAL mode with `synchronous =
 *   NORMAL` syncs the WAL only at checkpoints; PostgreSQL with `synchronous_commit = off` flushes
 *   its WAL within 3 × wal_writer_delay. Commits are lost as a tail, never one out of the middle:
 *   the catalog stores each page with its table's cursor in one transaction, so a lost page takes
 *   its cursor with it and the next run reads that page again from the instance.
 */
export type CommitDurability = 'full' | 'relaxed';

/** The code of a query that failed because the SQLite store's thread stopped (see SqliteThread). */
export const STORE_THREAD_EXITED = 'SQLITE_THREAD_EXITED';

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'SQLITE_BUSY', STORE_THREAD_EXITED]);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i;

/**
 * The database cannot be reached or is shutting down (as opposed to a query that is wrong): the
 * request may succeed later, so the webhook answers 503 and the app keeps the event and retries.
 * PostgreSQL SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutdown, cannot connect now).
 */
export function isStoreUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code)) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** How often a transaction that lost a conflict is run again before its error is passed on. */
export const TRANSACTION_ATTEMPTS = 16;

/**
 * The waits between those runs: equal jitter from 5 ms doubling to 400 ms (about 4 s in all). Busy
 * incidents on three replicas (their apply, send and API transactions touch the same rows) lose
 * several rounds in a row; waits of a few milliseconds left API calls failing after 12 rounds.
 */
export const TRANSACTION_BACKOFF: BackoffPolicy = { baseMs: 5, maxMs: 400 };

/** PostgreSQL aborted the transaction for a conflict with a concurrent one: running it again is safe. */
export function isTransactionConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * Runs `attempt` until it does not end in a transaction conflict (at most TRANSACTION_ATTEMPTS
 * times), waiting longer each time (TRANSACTION_BACKOFF, jittered) so the conflicting replicas spread out.
 */
export async function withConflictRetry<T>(backend: StoreBackend, attempt: () => Promise<T>): Promise<T> {
  if (!backend.serializableTransactions) return attempt();
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTransactionConflict(err) || tries >= TRANSACTION_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(TRANSACTION_BACKOFF, tries, Math.random)));
    }
  }
}

/**
 * The first key of the incident locks' PostgreSQL advisory locks (two-key form): it keeps them apart
 * from any other advisory lock (kysely's migration lock uses the one-key form). The second key is
 * `hashtext(incident id)`: two incidents sharing a hash only take turns needlessly.
 */
export const INCIDENT_LOCK_SPACE = 0x1d5e;

/**
 * Runs `work` holding the incident's lock, a session-level advisory lock on `conn`, taken before
 * `work` begins its transaction and released after it ended either way. A replica that dies holding
 * it loses its connection, and PostgreSQL releases the lock with the session. If the release itself
 * fails (the connection broke) the session is gone and so is the lock; the error of `work` wins.
 */
export async function withIncidentLock<DB, T>(conn: Kysely<DB>, incident: string, work: () => Promise<T>): Promise<T> {
  await sql`select pg_advisory_lock(${INCIDENT_LOCK_SPACE}, hashtext(${incident}))`.execute(conn);
  let result: T;
  try {
    result = await work();
  } catch (err) {
    await sql`select pg_advisory_unlock(${INCIDENT_LOCK_SPACE}, hashtext(${incident}))`.execute(conn).catch(() => undefined);
    throw err;
  }
  await sql`select pg_advisory_unlock(${INCIDENT_LOCK_SPACE}, hashtext(${incident}))`.execute(conn);
  return result;
}
