import { HEADER } from '../contract/push-event.ts';
import { isExhausted, outboxRetryDelaySeconds, parseRetryAfterSeconds } from './backoff.ts';
import { canDeliver, type AppConfig } from './config.ts';
import { APP_VERSION } from './constants.ts';
import type { HttpPost, HttpResult, Logger } from './glide-interfaces.ts';
import type { OutboxChanges, OutboxEvent, OutboxStore } from './outbox-store.ts';
import { resolvePayloadReferences, type ReferenceLookup } from './payload.ts';
import { signPush } from './signature.ts';
import { parseGlideDateTime, toGlideDateTime } from './time.ts';

/** What delivery needs from the instance. */
export interface DeliveryDeps {
  config: AppConfig;
  store: OutboxStore;
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
 * delivered now: it fails, it is another worker's (sending), or its retry is not due yet.
 * `readAgain` false: one batch only, for callers that look for due events of every incident next
 * (drainOthers), which finds an event queued meanwhile without a read of its own.
 */
export function drainIncident(incidentSysId: string, deps: DeliveryDeps, firstBatch?: OutboxEvent[], readAgain = true): DrainResult {
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

/**
 * Async business rule on a newly queued event: deliver it now, unless earlier events of its
 * incident go first. `incidentSysId` (the rule's current record has it) saves reading the event:
 * the incident's pending events are read at once, and the event must be among them, queued.
 */
export function deliverQueuedEvent(outboxSysId: string, deps: DeliveryDeps, incidentSysId?: string): DrainResult {
  if (!canDeliver(deps.config)) return { delivered: 0, stoppedBecause: 'not configured or disabled' };
  // One worker delivers at a time: while another is sending (and not presumed dead), this event
  // stays queued, and that worker takes it once done with what it holds (drainOthers below).
  const since = toGlideDateTime(deps.nowMs() - staleSendingSeconds(deps.config) * 1000);
  const busy = { delivered: 0, stoppedBecause: 'another worker is delivering' };
  let own: DrainResult;
  if (!incidentSysId) {
    if (deps.store.sendingSince(since)) return busy;
    const event = deps.store.get(outboxSysId);
    if (!event || event.state !== 'queued') return { delivered: 0, stoppedBecause: 'not queued' };
    own = drainIncident(event.incident_sys_id, deps, undefined, false);
  } else {
    // Whether another worker is sending, and the incident's pending events, in one query.
    const start = deps.store.pendingUnlessSending(incidentSysId, since, MAX_EVENTS_PER_DRAIN);
    if (start.sending) return busy;
    const pending = start.pending;
    const mine = pending.find((e) => e.sys_id === outboxSysId);
    if (!mine && pending.length < MAX_EVENTS_PER_DRAIN) return { delivered: 0, stoppedBecause: 'not queued' };
    if (mine && mine.state !== 'queued') return { delivered: 0, stoppedBecause: 'not queued' };
    own = drainIncident(incidentSysId, deps, pending, false);
  }
  if (own.unreachable) return own;
  const others = drainOthers(deps, MAX_EVENTS_PER_DRAIN);
  return { delivered: own.delivered + others.delivered, stoppedBecause: own.stoppedBecause || others.stoppedBecause, unreachable: others.unreachable };
}

/**
 * After its own incident, the delivering worker takes the events that waited for it: those of other
 * incidents that are due, up to `budget` events, stopping at a receiver that does not answer.
 */
function drainOthers(deps: DeliveryDeps, budget: number): DrainResult {
  let delivered = 0;
  let attempts = 0;
  // Incidents whose queue cannot move now (a failure, a retry not due, another worker's send);
  // an incident drained empty may get new events meanwhile, and is taken again.
  const blocked: { [incident: string]: boolean } = {};
  for (;;) {
    const due = deps.store.incidentsWithDueEvents(toGlideDateTime(deps.nowMs()), 20).filter((id) => !blocked[id]);
    if (due.length === 0) return { delivered, stoppedBecause: null };
    for (const incident of due) {
      if (attempts >= budget) {
        handOff(deps, incident);
        return { delivered, stoppedBecause: 'drain limit reached' };
      }
      const result = drainIncident(incident, deps, undefined, false);
      attempts += Math.max(1, result.delivered);
      delivered += result.delivered;
      if (result.unreachable) return { delivered, stoppedBecause: UNREACHABLE, unreachable: true };
      if (result.stoppedBecause !== null) blocked[incident] = true;
    }
  }
}

/**
 * A worker that reached its limit hands what is left to a fresh run of the async rule, instead of
 * leaving it to the next scheduled job: it touches the incident's first queued event (an update of
 * a queued event triggers the rule again).
 */
function handOff(deps: DeliveryDeps, incidentSysId: string): void {
  const first = deps.store.pendingForIncident(incidentSysId, 1)[0];
  if (first && first.state === 'queued') deps.store.update(first.sys_id, { next_attempt_at: toGlideDateTime(deps.nowMs()) });
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

  // While a worker is sending (and not presumed dead), it takes what is due after its own incident
  // (drainOthers): the job does not become a second worker delivering at the same time.
  if (canDeliver(deps.config) && !deps.store.sendingSince(staleBefore)) {
    for (const incident of deps.store.incidentsWithDueEvents(toGlideDateTime(now), maxIncidents)) {
      result.incidents++;
      const drained = drainIncident(incident, deps);
      result.delivered += drained.delivered;
      // A receiver that does not answer would cost a request timeout per incident: try again next run.
      if (drained.unreachable) break;
    }
  }

  result.purged = deps.store.purgeDelivered(toGlideDateTime(now - deps.config.retentionDays * 86400 * 1000));
  return result;
}
