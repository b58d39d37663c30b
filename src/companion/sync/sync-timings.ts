import type { BackoffPolicy } from '../../server/lib/backoff';
import { IncidentSnError } from '../../shared/errors';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../client/connection';

/**
 * Backoff of the sync's queues (the schedule is ../../server/lib/backoff.ts, shared with the app).
 * A write to ServiceNow is retried forever, so its step grows to 5 minutes; a stored ServiceNow
 * change fails only on incident.io's side or on bad data, and gives up after its attempts, so its
 * step stays within a minute.
 */
export const DEFAULT_OUTBOUND_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ baseMs: 1_000, maxMs: 5 * 60_000 });
export const DEFAULT_INBOUND_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ baseMs: 500, maxMs: 60_000 });
/** How often connections without the app are polled (serve's --poll-interval default). */
export const DEFAULT_POLL_INTERVAL_MS = 10_000;
/** Attempts before a stored change that keeps failing is set aside as failed (with the inbound backoff, within about 3 minutes of the first). */
export const INBOUND_MAX_ATTEMPTS = 10;

/**
 * Every lease, timeout and grace of the sync, from one object: nothing else in the sync writes a
 * duration of its own. Leases are short because they are renewed: each process heartbeats every
 * `heartbeatMs`, and each heartbeat extends every lease it holds to `staleAfterMs` from then. A live
 * process's work is therefore never taken over, however long a send takes; a process that stops
 * (kill -9, a frozen host) has its work free again `staleAfterMs` after its last heartbeat, and a
 * restarted companion on the same host frees a dead process's work at once (its PID is gone).
 */
export interface SyncTimings {
  /** How often a process records that it is alive and renews its leases. Default 1 s. */
  heartbeatMs: number;
  /** A process silent this long is dead: every lease is this long, renewed by each heartbeat. Default 5 s. */
  staleAfterMs: number;
  /** The longest an idle worker sleeps before it looks (cheaply) for work stored by another process. Default 1 s. */
  idleMs: number;
  /** The ServiceNow client's timeout of one request (the sync gives it to its client). Default the client's own, 30 s. */
  requestTimeoutMs: number;
  /**
   * A write that got no answer (timeout, reset) is tried again only after this long, so the instance
   * has finished the request it may still be working on and the retry finds what it did. Default 60 s.
   */
  unansweredGraceMs: number;
  /** While a connection is rate-limited, one request probes whether the limit was lifted this often. Default 30 s, so a lifted limit is noticed well within a minute. */
  rateLimitProbeMs: number;
  /**
   * A write whose read finds ServiceNow versions the app has not pushed yet reads their events from
   * the app's outbox (OutboxPull); when the outbox cannot be read it waits this long for the pushes:
   * each says which fields changed and when, a read only the values now. Then the read decides. Default 60 s.
   */
  pushWaitMs: number;
  /**
   * How often the app's outbox is read for events it has not delivered (OutboxCatchUp; the first read
   * is at start), and how old such an event must be to be read (younger ones are being delivered). Default 60 s.
   */
  outboxCatchUpMs: number;
  /** How long `stop()` lets work in progress finish before aborting it. Default 10 s. */
  shutdownGraceMs: number;
  /** A stored event that applied (or failed) is kept this long for deduplication. Default 14 days. */
  eventRetentionMs: number;
  /** How often done events past their retention are purged. Default 1 h. */
  purgeEveryMs: number;
}

export const DEFAULT_SYNC_TIMINGS: Readonly<SyncTimings> = Object.freeze({
  heartbeatMs: 1_000,
  staleAfterMs: 5_000,
  idleMs: 1_000,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  unansweredGraceMs: 60_000,
  rateLimitProbeMs: 30_000,
  pushWaitMs: 60_000,
  outboxCatchUpMs: 60_000,
  shutdownGraceMs: 10_000,
  eventRetentionMs: 14 * 24 * 60 * 60_000,
  purgeEveryMs: 60 * 60_000,
});

/** A setting that cannot work (named, with what to do). */
export class SyncTimingsError extends IncidentSnError {
  constructor(message: string) {
    super(message, { code: 'sync_timings_invalid' });
  }
}

/** The defaults with `overrides`, checked: a lease must outlive a few missed heartbeats. */
export function syncTimings(overrides: Partial<SyncTimings> = {}): SyncTimings {
  const timings: SyncTimings = { ...DEFAULT_SYNC_TIMINGS };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof SyncTimings, number | undefined]>) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) throw new SyncTimingsError(`sync timing ${key} must be a positive number of milliseconds, not ${String(value)}.`);
    timings[key] = value;
  }
  if (timings.staleAfterMs < 2 * timings.heartbeatMs) {
    throw new SyncTimingsError(
      `sync timing staleAfterMs (${timings.staleAfterMs}) must be at least twice heartbeatMs (${timings.heartbeatMs}), or one late heartbeat would let another process take live work.`,
    );
  }
  return timings;
}
