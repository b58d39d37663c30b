import { HEADER } from '../contract/push-event.ts';
import { isExhausted, outboxRetryDelaySeconds, parseRetryAfterSeconds } from './backoff.ts';
import { canDeliver, type AppConfig } from './config.ts';
import { APP_VERSION } from './constants.ts';
import type { HttpPost, HttpResult, Logger } from './glide-interfaces.ts';
import type { DeliveryLock } from './delivery-lock.ts';
import type { OutboxChanges, OutboxEvent, OutboxStore } from './outbox-store.ts';
import { resolvePayloadReferences, type ReferenceLookup } from './payload.ts';
import { signPush } from './signature.ts';
import { parseGlideDateTime, toGlideDateTime } from './time.ts';

/** What delivery needs from the instance. */
export interface DeliveryDeps {
  config: AppConfig;
  store: OutboxStore;
  /** Held by the one worker that sends (deliverQueuedEvent, retryAndPurge). */
  lock: DeliveryLock;
  nowMs(): number;
  /** [0, 1) */
  random(): number;
  /** new CertificateEncryption().generateMac(base64Key, 'HmacSHA256', data) */
  mac(base64Key: string, data: string): string;
  post: HttpPost;
  log: Logger;
  /** Names the references the business rule left unnamed (it reads nothing in the user's transaction). */
  lookup?: ReferenceLookup;
}

/** `unreachable`: failed without an HTTP answer (timeout, refused, DNS): the receiver is down for everyone. */
export type AttemptOutcome = 'delivered' | 'failed' | 'unreachable' | 'dead';

/** At most this many events of one incident are sent in one go; the scheduled job picks up the rest. */
export const MAX_EVENTS_PER_DRAIN = 50;
const MAX_ERROR_LENGTH = 1000;

function describeFailure(result: HttpResult): string {
  if (result.status === 0) return result.error || 'no response from the webhook URL';
  const body = (result.body || '').replace(/\s+/g, ' ').trim();
  return 'HTTP ' + result.status + (body ? ': ' + body : '');
}

/** The payload with its references named (the stored one when there is nothing to name or it cannot be read). */
function namedPayload(payload: string, deps: DeliveryDeps): string {
  if (!deps.lookup) return payload;
  try {
    return resolvePayloadReferences(payload, deps.lookup) ?? payload;
  } catch {
    return payload;
  }
}

/** Sends one event once and records the outcome on it. */
export function attemptDelivery(event: OutboxEvent, deps: DeliveryDeps): AttemptOutcome {
  const attempt = event.attempts + 1;
  const startedMs = deps.nowMs();
  const payload = namedPayload(event.payload, deps);
  const sending: OutboxChanges = { state: 'sending', attempts: attempt, last_attempt_at: toGlideDateTime(startedMs) };
  // Stored with the names, so a retry or a resend sends exactly the same body.
  if (payload !== event.payload) sending.payload = payload;
  deps.store.update(event.sys_id, sending);

  const timestamp = Math.floor(startedMs / 1000);
  const headers: { [name: string]: string } = {
    'Content-Type': 'application/json',
    'User-Agent': 'x_incident_io/' + APP_VERSION,
  };
  headers[HEADER.eventId] = event.event_id;
  headers[HEADER.attempt] = String(attempt);

  let result: HttpResult;
  try {
    headers[HEADER.signature] = signPush(deps.mac, deps.config.signingSecret, timestamp, payload);
    result = deps.post({
      url: deps.config.webhookUrl,
      headers,
      body: payload,
      timeoutMs: deps.config.requestTimeoutSeconds * 1000,
    });
  } catch (err) {
    result = { status: 0, body: '', header: () => null, error: 'delivery failed: ' + String(err) };
  }

  const finishedMs = deps.nowMs();
  if (result.status >= 200 && result.status < 300) {
    deps.store.update(event.sys_id, {
      state: 'delivered',
      delivered_at: toGlideDateTime(finishedMs),
      last_http_status: result.status,
      last_error: '',
    });
    return 'delivered';
  }

  const error = describeFailure(result).substring(0, MAX_ERROR_LENGTH);
  if (isExhausted(attempt, deps.config.maxAttempts)) {
    deps.store.update(event.sys_id, { state: 'dead', last_http_status: result.status, last_error: error });
    deps.log.error(
      'incident.io push ' + event.event_id + ' (' + event.incident_number + ') is dead after ' + attempt + ' attempts: ' + error,
    );
    return 'dead';
  }
  const retryAfter = parseRetryAfterSeconds(result.header('Retry-After'), finishedMs);
  const delay = outboxRetryDelaySeconds(attempt, deps.config.retryBaseSeconds, deps.random, retryAfter);
  deps.store.update(event.sys_id, {
    state: 'failed',
    last_http_status: result.status,
    last_error: error,
    next_attempt_at: toGlideDateTime(finishedMs + delay * 1000),
  });
  deps.log.warn('incident.io push ' + event.event_id + ' failed (attempt ' + attempt + '), retrying in ' + delay + 's: ' + error);
  return result.status === 0 ? 'unreachable' : 'failed';
}

export interface DrainResult {
  delivered: number;
  /** Why the drain stopped before the incident's queue was empty, if it did. */
  stoppedBecause: string | null;
  /** True when the last attempt got no HTTP answer: other incidents are not tried in this run. */
  unreachable?: boolean;
}

/** Why a drain stopped at a receiver that did not answer. */
const UNREACHABLE = 'the receiver did not answer';

/**
 * Delivers an incident's undelivered events strictly in order, from the first, until one cannot be
 * delivered now: it fails, it is still `sending` (a send presumed dead, not yet reclaimed by the
 * job), or its retry is not due yet. The caller holds the delivery lock. `readAgain` false: one
 * batch only, for callers that look for due events of every incident next (deliverWhileHolding),
 * which finds an event queued meanwhile without a read of its own.
 */
export function drainIncident(incidentSysId: string, deps: DeliveryDeps, firstBatch?: OutboxEvent[], readAgain = true): DrainResult {
  return drain(incidentSysId, deps, null, firstBatch, readAgain);
}

/** drainIncident by a run holding the delivery lock (`holding`), which it keeps from going stale. */
function drain(incidentSysId: string, deps: DeliveryDeps, holding: Holding | null, firstBatch?: OutboxEvent[], readAgain = true): DrainResult {
  if (!canDeliver(deps.config)) return { delivered: 0, stoppedBecause: 'not configured or disabled' };
  let delivered = 0;
  let attempted = 0;
  // Read in batches (one query for the events pending now), and once more after a batch is sent:
  // an event queued meanwhile may have found this drain's event `sending` and left itself to it.
  let batch = firstBatch ?? deps.store.pendingForIncident(incidentSysId, MAX_EVENTS_PER_DRAIN);
  while (batch.length > 0) {
    for (const next of batch) {
      if (attempted >= MAX_EVENTS_PER_DRAIN) return { delivered, stoppedBecause: 'drain limit reached' };
      if (next.state === 'sending') return { delivered, stoppedBecause: 'an earlier event is being sent' };
      const dueMs = parseGlideDateTime(next.next_attempt_at);
      if (next.state === 'failed' && dueMs !== null && dueMs > deps.nowMs()) {
        return { delivered, stoppedBecause: 'waiting to retry ' + next.event_id };
      }
      attempted++;
      if (holding !== null) keepHolding(deps, holding);
      const outcome = attemptDelivery(next, deps);
      if (outcome === 'unreachable') return { delivered, stoppedBecause: UNREACHABLE, unreachable: true };
      if (outcome === 'failed') return { delivered, stoppedBecause: 'delivery failed' };
      if (outcome === 'delivered') delivered++;
    }
    if (attempted >= MAX_EVENTS_PER_DRAIN) return { delivered, stoppedBecause: 'drain limit reached' };
    if (!readAgain) break;
    batch = deps.store.pendingForIncident(incidentSysId, MAX_EVENTS_PER_DRAIN);
  }
  return { delivered, stoppedBecause: null };
}

/** A run's hold on the delivery lock (delivery-lock.ts). */
interface Holding {
  sysId: string;
  /** When the lock's row was last given this run's time: a long run renews it (keepHolding). */
  sinceMs: number;
}

/** Why a run did not start: another live worker holds the lock, and delivers what is due once done. */
const BUSY = 'another worker is delivering';

/**
 * Takes the delivery lock, or returns null when a live worker holds it. A row older than the stale
 * time is a dead worker's: it is deleted and taken, and of two workers doing so at once, the unique
 * name lets one insert. The look before the insert keeps a held lock from costing a refused insert
 * (which a real instance logs as a unique key violation) on every event queued while a push is out.
 */
function acquire(deps: DeliveryDeps): Holding | null {
  const now = deps.nowMs();
  const current = deps.lock.holder();
  if (current !== null) {
    const staleBefore = toGlideDateTime(now - staleSendingSeconds(deps.config) * 1000);
    if (current.heldSince >= staleBefore) return null;
    if (deps.lock.remove(current.sysId)) deps.log.warn('took over the delivery lock, held since ' + current.heldSince + ' by a worker presumed dead');
  }
  const sysId = deps.lock.take(toGlideDateTime(now));
  return sysId === null ? null : { sysId, sinceMs: now };
}

/** Before each send: renews the lock's time once a quarter of the stale time has passed, so a long run is not taken over. */
function keepHolding(deps: DeliveryDeps, holding: Holding): void {
  const now = deps.nowMs();
  if (now - holding.sinceMs < (staleSendingSeconds(deps.config) * 1000) / 4) return;
  if (deps.lock.renew(holding.sysId, toGlideDateTime(now))) holding.sinceMs = now;
}

/**
 * Async business rule on a newly queued event: deliver it now, unless earlier events of its
 * incident go first. `incidentSysId` (the rule's current record has it) saves reading the event.
 *
 * One worker delivers at a time: the run holds the delivery lock while it sends. An event queued
 * while another worker holds it stays queued, and that worker takes it before it stops: it lets the
 * lock go first and then looks for due events, so an event that found the lock held is always seen
 * by a look that starts after it was queued (deliverWhileHolding).
 */
export function deliverQueuedEvent(outboxSysId: string, deps: DeliveryDeps, incidentSysId?: string): DrainResult {
  if (!canDeliver(deps.config)) return { delivered: 0, stoppedBecause: 'not configured or disabled' };
  const holding = acquire(deps);
  if (holding === null) return { delivered: 0, stoppedBecause: BUSY };
  return deliverWhileHolding(deps, holding, () => {
    let incident = incidentSysId;
    if (!incident) {
      const event = deps.store.get(outboxSysId);
      if (!event || event.state !== 'queued') return { incident: null, result: { delivered: 0, stoppedBecause: 'not queued' } };
      incident = event.incident_sys_id;
    }
    const pending = deps.store.pendingForIncident(incident, MAX_EVENTS_PER_DRAIN);
    const mine = pending.find((e) => e.sys_id === outboxSysId);
    // Delivered by a run that held the lock before this one, or put back in another state. Its
    // incident is not blocked: an event of it queued while this run holds the lock found the lock
    // held, and the look for due events must find it.
    if ((!mine && pending.length < MAX_EVENTS_PER_DRAIN) || (mine && mine.state !== 'queued')) {
      return { incident: null, result: { delivered: 0, stoppedBecause: 'not queued' } };
    }
    return { incident, result: drain(incident, deps, holding, pending, false) };
  });
}

/**
 * Runs `first` (a run's own incident) holding the lock, then the events that waited for it: those of
 * other incidents that are due, up to MAX_EVENTS_PER_DRAIN events, stopping at a receiver that does
 * not answer. It stops only after a look for due events that started after it let the lock go and
 * found none, so no event queued while it held the lock (one whose run found it held) is left
 * behind. When that look finds some, it takes the lock again; another worker taking it in between
 * delivers them instead.
 */
function deliverWhileHolding(
  deps: DeliveryDeps,
  held: Holding,
  /** The run's own drain; `incident` is the incident it drained (null when it drained none). */
  first: () => { incident: string | null; result: DrainResult },
): DrainResult {
  let holding: Holding | null = held;
  // Incidents whose queue cannot move now (a failure, a retry not due, an abandoned send); an
  // incident drained empty may get new events meanwhile, and is taken again.
  const blocked: { [incident: string]: boolean } = {};
  const look = () => deps.store.incidentsWithDueEvents(toGlideDateTime(deps.nowMs()), 20, Object.keys(blocked));
  try {
    const own = first();
    if (own.result.unreachable) return own.result;
    let delivered = own.result.delivered;
    const stoppedBecause = own.result.stoppedBecause;
    if (own.incident !== null && stoppedBecause !== null) blocked[own.incident] = true;
    let attempts = 0;
    // Once a batch of others was sent, events are coming in: look while still holding the lock, and
    // let it go only when that look finds none (a quiet run lets it go at once and looks once).
    let busy = false;
    for (;;) {
      let due = busy ? look() : [];
      if (due.length === 0) {
        deps.lock.remove(holding!.sysId);
        holding = null;
        due = look();
        if (due.length === 0) return { delivered, stoppedBecause };
      }
      if (attempts >= MAX_EVENTS_PER_DRAIN) {
        if (holding !== null) deps.lock.remove(holding.sysId);
        holding = null;
        handOff(deps, due);
        return { delivered, stoppedBecause: stoppedBecause || 'drain limit reached' };
      }
      if (holding === null) holding = acquire(deps);
      if (holding === null) return { delivered, stoppedBecause };
      for (const incident of due) {
        if (attempts >= MAX_EVENTS_PER_DRAIN) break;
        const result = drain(incident, deps, holding, undefined, false);
        attempts += Math.max(1, result.delivered);
        delivered += result.delivered;
        if (result.unreachable) return { delivered, stoppedBecause: stoppedBecause || UNREACHABLE, unreachable: true };
        if (result.stoppedBecause !== null) blocked[incident] = true;
      }
      busy = true;
    }
  } finally {
    if (holding !== null) deps.lock.remove(holding.sysId);
  }
}

/**
 * A worker that reached its limit hands what is left to a fresh run of the async rule, instead of
 * leaving it to the next scheduled job: it touches the first queued event of the first incident
 * that has one (an update of a queued event triggers the rule again). It has let the lock go first,
 * so that run can take it. The touch must change the row: an update that changes nothing writes
 * nothing and runs no rule, and an event queued within this second already has this second's time,
 * so it then gets the second before.
 */
function handOff(deps: DeliveryDeps, incidents: string[]): void {
  for (const incident of incidents) {
    const first = deps.store.pendingForIncident(incident, 1)[0];
    if (!first || first.state !== 'queued') continue;
    const now = deps.nowMs();
    const touched = toGlideDateTime(now) === first.next_attempt_at ? toGlideDateTime(now - 1000) : toGlideDateTime(now);
    deps.store.update(first.sys_id, { next_attempt_at: touched });
    return;
  }
}

export interface MaintenanceResult {
  reclaimed: number;
  incidents: number;
  delivered: number;
  purged: number;
}

/** Seconds after which an event still `sending` is presumed abandoned (its worker died). */
export function staleSendingSeconds(config: AppConfig): number {
  return config.requestTimeoutSeconds * 2 + 60;
}

/**
 * The scheduled job: reclaim abandoned sends, retry what is due (in order per incident), and purge
 * delivered events older than the retention.
 */
export function retryAndPurge(deps: DeliveryDeps, maxIncidents: number): MaintenanceResult {
  const now = deps.nowMs();
  const result: MaintenanceResult = { reclaimed: 0, incidents: 0, delivered: 0, purged: 0 };

  const staleBefore = toGlideDateTime(now - staleSendingSeconds(deps.config) * 1000);
  for (const event of deps.store.staleSending(staleBefore, 500)) {
    const abandoned = { state: 'failed' as const, last_error: 'delivery was interrupted', next_attempt_at: toGlideDateTime(now) };
    deps.store.update(event.sys_id, isExhausted(event.attempts, deps.config.maxAttempts) ? { ...abandoned, state: 'dead' } : abandoned);
    result.reclaimed++;
  }

  // While a worker holds the delivery lock (and is not presumed dead), it takes what is due before it
  // stops: the job does not become a second worker delivering at the same time.
  const holding = canDeliver(deps.config) ? acquire(deps) : null;
  if (holding !== null) {
    const blocked: { [incident: string]: boolean } = {};
    const taken: string[] = [];
    let unreachable = false;
    try {
      // In turns of 20 incidents, each taken once: a long queue of one incident does not fill a turn.
      while (!unreachable && taken.length < maxIncidents) {
        const due = deps.store.incidentsWithDueEvents(toGlideDateTime(now), Math.min(20, maxIncidents - taken.length), taken);
        if (due.length === 0) break;
        for (const incident of due) {
          taken.push(incident);
          result.incidents++;
          const drained = drain(incident, deps, holding);
          result.delivered += drained.delivered;
          if (drained.stoppedBecause !== null) blocked[incident] = true;
          // A receiver that does not answer would cost a request timeout per incident: try again next run.
          unreachable = !!drained.unreachable;
          if (unreachable) break;
        }
      }
    } finally {
      deps.lock.remove(holding.sysId);
    }
    // Events queued while the job held the lock (or beyond its share) go to a fresh run of the async rule.
    if (!unreachable) {
      const left = deps.store.incidentsWithDueEvents(toGlideDateTime(deps.nowMs()), 20, Object.keys(blocked));
      handOff(deps, left);
    }
  }

  result.purged = deps.store.purgeDelivered(toGlideDateTime(now - deps.config.retentionDays * 86400 * 1000));
  return result;
}
