/**
 * Applying stored ServiceNow changes to incident.io, as transaction jobs (TransactionJob): the
 * decision and its writes touch only the store, so on the SQLite store the whole transaction runs on
 * the store's thread in one message, and the write lock is never held while the event loop works.
 * What needs the network (a correlation_id to read, an attachment to fetch) is done before, outside
 * any transaction, by InboundProcessor.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_TYPE, EVENT_TYPES } from '../../server/contract/push-event';
import { backoffDelayMs, type BackoffPolicy } from '../../server/lib/backoff';
import { describeError } from '../../shared/errors';
import { tracePoint } from '../../shared/latency-trace';
import { StoredDataError } from '../store/errors';
import { timeOrderedId } from '../store/time-ordered-id';
import type { IncidentLink, NewInboundEvent, StoredInboundEvent, SyncRepositories, TimelineUpdate, TransactionJob, TransactionJobTools } from '../store/sync-store';
import { applyFollowUpChange } from './apply-follow-up-change';
import { applyRecordChange } from './apply-record-change';
import type { FetchedAttachment } from './attachment-fetch';
import { ConcurrentChangeError, LeaseLostError } from './errors';
import { incidentValuesFrom } from './inbound-decision';
import { shouldDeclare, type SyncMapping } from './mapping';
import { TRACKED_FIELDS, type InboundChange } from './servicenow-record';

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/** The stored payload as a change, checked: what the apply path reads must be there (never a null deep inside). */
export function inboundChangeOf(event: Pick<StoredInboundEvent, 'id' | 'payload'>): InboundChange {
  const bad = (problem: string) => new StoredDataError('sync_inbound_events', event.id, 'payload', problem);
  const change = event.payload as Partial<InboundChange> | null;
  if (!change || typeof change !== 'object') throw bad('not an object');
  if (typeof change.type !== 'string' || !KNOWN_TYPES.has(change.type)) throw bad(`unknown type ${JSON.stringify(change.type)}`);
  if (typeof change.sequence !== 'number' || !Number.isSafeInteger(change.sequence)) throw bad('sequence is not an integer');
  if (typeof change.occurredAt !== 'string') throw bad('occurredAt is missing');
  const record = change.record as Partial<InboundChange['record']> | null | undefined;
  if (!record || typeof record !== 'object' || !record.snapshot || typeof record.snapshot !== 'object') throw bad('record.snapshot is missing');
  if (change.type === EVENT_TYPE.journal && change.journal !== undefined && (change.journal === null || typeof change.journal !== 'object')) {
    throw bad('journal is not an object');
  }
  if (change.type === EVENT_TYPE.attachment && (!change.attachment || typeof change.attachment !== 'object' || typeof change.attachment.sysId !== 'string')) {
    throw bad('attachment is missing');
  }
  return change as InboundChange;
}

/** What applying one event did. */
export const INBOUND_OUTCOMES = [
  'applied',
  'declared',
  'adopted',
  'deleted',
  'stale',
  'duplicate',
  'no_change',
  'conflict',
  'own_write',
  'unlinked',
  'link_deleted',
] as const;
export type InboundOutcome = (typeof INBOUND_OUTCOMES)[number];

/** What was read from ServiceNow (or found needless) before the transaction. */
export interface Prepared {
  /** For an unlinked record the mapping declares: its correlation_id (ours when incident.io created it). */
  correlationId: string | null;
  /** An attachment of a linked incident not stored yet: what the Attachment API gave. */
  attachment?: FetchedAttachment;
}

/** What an apply needs of its connection (plain data: it crosses to the store's thread). */
export interface ConnectionFacts {
  id: string;
  name: string;
  integrationUser: string;
}

/** By id; one map per connections array (kept on the store's thread from job to job, see keptInputs). */
const byIdOf = new WeakMap<readonly ConnectionFacts[], ReadonlyMap<string, ConnectionFacts>>();
function connectionsById(connections: readonly ConnectionFacts[]): ReadonlyMap<string, ConnectionFacts> {
  let byId = byIdOf.get(connections);
  if (!byId) {
    byId = new Map(connections.map((c) => [c.id, c]));
    byIdOf.set(connections, byId);
  }
  return byId;
}

interface ApplyContext {
  connection: ConnectionFacts;
  mapping: SyncMapping;
  now: Date;
}

function sameUser(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function notice(incidentId: string, message: string, at: Date): TimelineUpdate {
  return { id: randomUUID(), incidentId, source: 'companion', kind: 'notice', author: null, message, journalSysId: null, occurredAt: at, createdAt: at };
}

/**
 * What must be read from ServiceNow before the transaction, decided from the store alone: the
 * prepared result when nothing needs reading, or null when the network is needed (a record to
 * declare without its correlation_id, an attachment not stored yet).
 */
export async function prepareFromStore(store: SyncRepositories, event: StoredInboundEvent, change: InboundChange, mapping: SyncMapping): Promise<Prepared | null> {
  return (await prepareAndRead(store, event, change, mapping)).prepared;
}

/** What prepareFromStore read of the event's record: given to applyInboundChange in the same transaction, it is not read twice. */
interface KnownLink {
  link: IncidentLink | undefined;
}

async function prepareAndRead(store: SyncRepositories, event: StoredInboundEvent, change: InboundChange, mapping: SyncMapping): Promise<{ prepared: Prepared | null; known?: KnownLink }> {
  const none = { correlationId: null };
  if (change.type === EVENT_TYPE.attachment) {
    const attachment = change.attachment;
    if (!attachment) return { prepared: none };
    const link = await store.incidents.getLinkBySysId(event.connectionId, event.incidentSysId);
    if (!link || link.state === 'deleted') return { prepared: none, known: { link } };
    if (await store.attachments.has(link.incidentId, attachment.sysId)) return { prepared: none, known: { link } };
    return { prepared: null };
  }
  if (change.type !== EVENT_TYPE.created && change.type !== EVENT_TYPE.updated) return { prepared: none };
  // A linked record needs nothing read (the common case: one read, which the apply then reuses).
  const link = await store.incidents.getLinkBySysId(event.connectionId, event.incidentSysId);
  const known = { link };
  if (link) return { prepared: none, known };
  // A follow-up's record is never declared as an incident.
  if (await store.followUps.getBySysId(event.connectionId, event.incidentSysId)) return { prepared: none, known };
  if (!shouldDeclare(mapping, { priority: change.record.snapshot.priority ?? '', active: change.record.active })) return { prepared: none, known };
  if (change.record.correlationId !== null) return { prepared: { correlationId: change.record.correlationId }, known };
  // Pushes do not carry correlation_id: a record incident.io created (its answer lost) must be adopted, not declared twice.
  return { prepared: null, known };
}

/**
 * Applies one change in `tx` (the caller marks the event done in the same transaction). `known`: the
 * record's link as read earlier in this transaction (prepareAndRead), not read again.
 */
export async function applyInboundChange(tx: SyncRepositories, event: StoredInboundEvent, change: InboundChange, prepared: Prepared, context: ApplyContext, known?: KnownLink): Promise<InboundOutcome> {
  const { connection, mapping, now } = context;
  const link = known ? known.link : await tx.incidents.getLinkBySysId(event.connectionId, event.incidentSysId);
  if (!link) {
    const followUp = await tx.followUps.getBySysId(event.connectionId, event.incidentSysId);
    if (followUp) {
      const byIntegrationUser = sameUser(change.record.updatedBy, connection.integrationUser);
      return applyFollowUpChange(tx, { followUp, change, mapping: mapping.followUps, byIntegrationUser, now });
    }
    return applyUnlinked(tx, event, change, prepared, context);
  }
  if (link.state === 'deleted') return 'link_deleted';
  const incident = await tx.incidents.getIncident(link.incidentId);
  if (!incident) return 'unlinked';

  if (change.type === EVENT_TYPE.deleted) {
    await tx.incidents.updateLink(link.incidentId, { state: 'deleted', deletedAt: now }, now);
    await tx.outbound.cancelPending(link.incidentId, now);
    await tx.incidents.insertUpdate(notice(incident.id, `The ServiceNow incident ${link.number} was deleted in ServiceNow; this incident is no longer synced with it.`, now));
    return 'deleted';
  }

  if (change.type === EVENT_TYPE.journal) {
    const journal = change.journal;
    if (!journal) return 'no_change';
    if (sameUser(journal.author, connection.integrationUser)) return 'own_write';
    const inserted = await tx.incidents.insertUpdate({
      id: randomUUID(),
      incidentId: incident.id,
      source: 'servicenow',
      kind: journal.element === 'comments' ? 'comment' : 'work_note',
      author: journal.author || null,
      message: journal.value,
      journalSysId: journal.sysId,
      occurredAt: new Date(journal.createdAt || change.occurredAt),
      createdAt: now,
    });
    return inserted ? 'applied' : 'duplicate';
  }

  if (change.type === EVENT_TYPE.attachment) {
    const attachment = change.attachment;
    const fetched = prepared.attachment;
    if (!attachment || !fetched) return 'duplicate';
    // Bytes that crossed to the store's thread arrive as a Uint8Array; the driver binds a Buffer.
    const data = fetched.data && !Buffer.isBuffer(fetched.data) ? Buffer.from(fetched.data as Uint8Array) : fetched.data;
    const inserted = await tx.attachments.insert(
      {
        id: randomUUID(),
        incidentId: incident.id,
        attachmentSysId: attachment.sysId,
        fileName: fetched.fileName || attachment.fileName,
        declaredType: fetched.declaredType,
        contentType: fetched.contentType,
        sizeBytes: fetched.status === 'gone' ? attachment.sizeBytes : fetched.sizeBytes,
        author: fetched.author ?? (attachment.author || null),
        status: fetched.status,
        reason: fetched.reason,
        link: fetched.link,
        occurredAt: new Date(fetched.createdAt || attachment.createdAt || change.occurredAt),
        createdAt: now,
      },
      data,
    );
    return inserted ? 'applied' : 'duplicate';
  }

  const byIntegrationUser = sameUser(change.record.updatedBy, connection.integrationUser);
  const decision = await applyRecordChange(tx, { incident, link, change, mapping, byIntegrationUser, now });
  if (decision.outcome === 'no_change' && change.changedFields === null && byIntegrationUser) return 'own_write';
  return decision.outcome;
}

async function applyUnlinked(tx: SyncRepositories, event: StoredInboundEvent, change: InboundChange, prepared: Prepared, context: ApplyContext): Promise<InboundOutcome> {
  const { connection, mapping, now } = context;
  if (change.type !== EVENT_TYPE.created && change.type !== EVENT_TYPE.updated) return 'unlinked';
  if (!shouldDeclare(mapping, { priority: change.record.snapshot.priority ?? '', active: change.record.active })) return 'unlinked';
  if (sameUser(change.record.updatedBy, connection.integrationUser) && change.record.correlationId === null && prepared.correlationId === null) {
    return 'own_write';
  }
  const linkOf = (incidentId: string) => ({
    incidentId,
    connectionId: connection.id,
    sysId: event.incidentSysId,
    number: change.record.number,
    lastAppliedModCount: change.sequence,
    lastWrittenModCount: -1,
    snapshot: { ...change.record.snapshot },
  });

  // A record incident.io created itself (the answer to its create was lost): link it, do not declare it again.
  if (prepared.correlationId) {
    const ours = await tx.incidents.getIncident(prepared.correlationId);
    if (ours && !(await tx.incidents.getLink(ours.id))) {
      if (!(await tx.incidents.insertLink(linkOf(ours.id), now))) throw new ConcurrentChangeError(`the link of ${change.record.number}`);
      return 'adopted';
    }
    if (ours) return 'unlinked';
  }

  const values = incidentValuesFrom(TRACKED_FIELDS, change.record.snapshot, undefined, mapping);
  const id = randomUUID();
  const referenceNumber = await tx.incidents.nextReferenceNumber();
  const incident = await tx.incidents.insertIncident({
    id,
    referenceNumber,
    connectionId: connection.id,
    name: values.name || change.record.number,
    summary: values.summary ?? '',
    status: values.status ?? 'triage',
    severity: values.severity ?? 'minor',
    lead: values.lead ?? null,
    createdAt: now,
    updatedAt: now,
  });
  // Two workers declaring the same record: the unique (connection, sys_id) lets one link; the other rolls back.
  if (!(await tx.incidents.insertLink(linkOf(id), now))) throw new ConcurrentChangeError(`the link of ${change.record.number}`);
  await tx.incidents.insertUpdate(
    notice(incident.id, `Declared from ServiceNow incident ${change.record.number} (priority ${change.record.snapshot.priority ?? '?'}) on "${connection.name}".`, now),
  );
  return 'declared';
}

/**
 * The step both jobs share, for a claimed event inside the caller's savepoint: what it needs read
 * from the store, its apply and its done mark. Null when it needs the network (nothing written);
 * LeaseLostError when its lease was taken over.
 */
async function applyClaimed(
  tx: SyncRepositories,
  event: StoredInboundEvent,
  change: InboundChange,
  input: { connection: ConnectionFacts; mapping: SyncMapping; owner: string; now: Date },
): Promise<InboundOutcome | null> {
  const { prepared, known } = await prepareAndRead(tx, event, change, input.mapping);
  if (!prepared) return null;
  tracePoint('c.tx.begun');
  const outcome = await applyInboundChange(tx, event, change, prepared, input, known);
  tracePoint('c.tx.applied');
  if (!(await tx.inbound.finish(event.id, input.owner, outcome, input.now))) throw new LeaseLostError(`event ${event.eventId}`);
  tracePoint('c.tx.finished');
  return outcome;
}

export interface ApplyEventInput {
  event: StoredInboundEvent;
  prepared: Prepared;
  connection: ConnectionFacts;
  mapping: SyncMapping;
  owner: string;
  now: Date;
}

/** One claimed event applied and marked done in one transaction (LeaseLostError when its lease was taken over: rolled back). */
export const APPLY_INBOUND_EVENT: TransactionJob<ApplyEventInput, InboundOutcome> = {
  module: __filename,
  name: 'APPLY_INBOUND_EVENT',
  keptInputs: ['mapping'],
  async run(tx, input) {
    tracePoint('c.tx.begun');
    const outcome = await applyInboundChange(tx, input.event, inboundChangeOf(input.event), input.prepared, input);
    tracePoint('c.tx.applied');
    if (!(await tx.inbound.finish(input.event.id, input.owner, outcome, input.now))) throw new LeaseLostError(`event ${input.event.eventId}`);
    return outcome;
  },
};

export interface ClaimAndApplyInput {
  owner: string;
  now: Date;
  leaseMs: number;
  mapping: SyncMapping;
  /** The connections whose events may be applied here (others are handed back claimed). */
  connections: readonly ConnectionFacts[];
  /** Events to claim and apply at most. */
  max: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** One random number per event, for the jitter of a retry's backoff. */
  random: number[];
}

/**
 * What the event loop needs of a finished event (its metrics and logs): a result carries no more
 * across the thread boundary (the payload stays on the store's thread).
 */
export type EventFacts = Pick<StoredInboundEvent, 'connectionId' | 'incidentSysId' | 'eventId' | 'source' | 'type' | 'occurredAt'>;

function factsOfEvent(event: EventFacts): EventFacts {
  return { connectionId: event.connectionId, incidentSysId: event.incidentSysId, eventId: event.eventId, source: event.source, type: event.type, occurredAt: event.occurredAt };
}

/** What became of one event a ClaimAndApply job claimed. */
export type ClaimedEventResult =
  | { kind: 'applied'; event: EventFacts; connectionName: string; outcome: InboundOutcome }
  /** Applying it failed: put back for a retry after `retryInMs`, or set aside as failed after its last attempt. */
  | { kind: 'retry'; event: EventFacts; connectionName: string; error: string; retryInMs: number }
  | { kind: 'failed'; event: EventFacts; connectionName: string; error: string }
  /** Its stored data cannot be read (set aside as failed). */
  | { kind: 'unreadable'; event?: EventFacts; table: string; rowId: string; column: string; error: string };

export interface ClaimAndApplyOutput {
  results: ClaimedEventResult[];
  /** An event claimed (and committed so) that needs more than the store: the network, a conflict's retries, an unknown connection. */
  handOff: StoredInboundEvent | null;
}

/**
 * On a store with one writer (SQLite), claims the next due event, then the same record's next ones,
 * and applies each, in order, in one transaction: the claim, the incident's state read, the
 * decision's writes and the done mark commit together (one fsync for up to `max` events of one
 * incident, none for a claim on its own). Only one record's: the job holds the write lock while it
 * runs, and the pushes' commits wait for it (measured: 16 events of any incident per job halved the
 * pushes answered per second; InboundProcessorDeps.applyBatch says what more than one costs). Each event is its
 * own decision in a savepoint: one that fails is rolled back alone and put back for a retry (or
 * failed after its last attempt), as the step-by-step path does. An event that needs the network is
 * claimed and handed back; the events before it are committed with it.
 */
export const CLAIM_AND_APPLY_INBOUND: TransactionJob<ClaimAndApplyInput, ClaimAndApplyOutput> = {
  module: __filename,
  name: 'CLAIM_AND_APPLY_INBOUND',
  keptInputs: ['mapping', 'connections'],
  async run(tx, input, tools: TransactionJobTools) {
    const results: ClaimedEventResult[] = [];
    const connections = connectionsById(input.connections);
    for (let i = 0; i < input.max; i++) {
      let event: StoredInboundEvent | undefined;
      try {
        // After the first, only the same record's: the write lock is held for one incident's queue, not the whole backlog's.
        const first = results.find((r) => r.event)?.event;
        const incident = first ? { connectionId: first.connectionId, incidentSysId: first.incidentSysId } : undefined;
        event = await tx.inbound.claim({ owner: input.owner, now: input.now, leaseMs: input.leaseMs, ...(incident ? { incident } : {}) });
      } catch (err) {
        // The claim set the unreadable event aside already.
        if (!(err instanceof StoredDataError)) throw err;
        results.push({ kind: 'unreadable', table: err.table, rowId: err.rowId, column: err.column, error: err.message });
        continue;
      }
      if (!event) return { results, handOff: null };
      tracePoint('c.claimed');
      const connection = connections.get(event.connectionId);
      if (!connection) return { results, handOff: event };
      let change: InboundChange;
      try {
        change = inboundChangeOf(event);
      } catch (err) {
        if (!(err instanceof StoredDataError)) throw err;
        await tx.inbound.fail(event.id, input.owner, err.message, input.now);
        results.push({ kind: 'unreadable', event: factsOfEvent(event), table: err.table, rowId: err.rowId, column: err.column, error: err.message });
        continue;
      }
      const claimed = event;
      try {
        const outcome = await tools.savepoint(() => applyClaimed(tx, claimed, change, { connection, mapping: input.mapping, owner: input.owner, now: input.now }));
        if (outcome === null) return { results, handOff: claimed };
        results.push({ kind: 'applied', event: factsOfEvent(claimed), connectionName: connection.name, outcome });
        // A claim that finds nothing costs as much as one that finds an event: probe the record's open lane first.
        if (i + 1 >= input.max || !(await tx.inbound.hasOpenForIncident(claimed.connectionId, claimed.incidentSysId))) return { results, handOff: null };
      } catch (err) {
        // A conflict is retried at once by the step-by-step path; it cannot happen with one writer, but costs nothing to keep.
        if (err instanceof ConcurrentChangeError) return { results, handOff: claimed };
        const error = describeError(err);
        if (err instanceof StoredDataError) {
          await tx.inbound.fail(claimed.id, input.owner, error, input.now);
          results.push({ kind: 'unreadable', event: factsOfEvent(claimed), table: err.table, rowId: err.rowId, column: err.column, error });
        } else if (claimed.attempts >= input.maxAttempts) {
          await tx.inbound.fail(claimed.id, input.owner, error, input.now);
          results.push({ kind: 'failed', event: factsOfEvent(claimed), connectionName: connection.name, error });
        } else {
          const retryInMs = backoffDelayMs(input.backoff, claimed.attempts, () => input.random[i] ?? 0.5);
          await tx.inbound.retry(claimed.id, input.owner, { nextAttemptAt: new Date(input.now.getTime() + retryInMs), error, now: input.now });
          results.push({ kind: 'retry', event: factsOfEvent(claimed), connectionName: connection.name, error, retryInMs });
        }
      }
    }
    return { results, handOff: null };
  },
};

export interface StoreAndApplyInput {
  /** Received events, stored in this order (deduplicated by connection and event id). */
  events: readonly NewInboundEvent[];
  owner: string;
  now: Date;
  leaseMs: number;
  mapping: SyncMapping;
  /** The connections whose events may be applied here (others are left for the apply worker). */
  connections: readonly ConnectionFacts[];
}

/** One stored event: `open` when its incident still has events to apply (the apply worker's), false when all were applied here. */
export type StoredAndApplied = { stored: boolean; id: string; open: boolean };

export interface StoreAndApplyOutput {
  recorded: StoredAndApplied[];
  /** The events applied in this transaction, in order (the caller counts them as the apply worker does). */
  applied: Array<Extract<ClaimedEventResult, { kind: 'applied' }>>;
}

/** Thrown inside a savepoint to undo its claim: the event stays pending for the apply worker. */
class LeaveForWorker extends Error {}

/** Thrown inside a savepoint to undo an apply whose event turned out to be stored already. */
class AlreadyStored extends Error {}

/** The payload of a received event as the thread got it (JSON text, see InboundProcessor.storeAndApply), or as it was given. */
function payloadOf(event: NewInboundEvent): unknown {
  if (event.payloadJson === undefined) return event.payload;
  try {
    return JSON.parse(event.payloadJson);
  } catch {
    // Not an object: inboundChangeOf says so, and the event goes the usual way.
    return undefined;
  }
}

/**
 * A received event that is alone in its incident's queue (no other event of it open, and no other
 * of it in this batch), applied before it is stored and then stored done: the claim a stored event
 * needs (its lane read, its row updated) and its done mark become one insert, and the indexes of open
 * events are never written. The same decision as the claim's path: it is due (received, never tried)
 * and first of its incident with no lease in its lane. Null when it must go the usual way (stored
 * pending, nothing applied): it needs the network, its payload cannot be read, or its apply failed.
 * A duplicate (its (connection, event id) stored already) has its apply undone.
 */
async function applyThenStore(
  tx: SyncRepositories,
  tools: TransactionJobTools,
  received: NewInboundEvent,
  input: { connection: ConnectionFacts; mapping: SyncMapping; owner: string; now: Date },
): Promise<{ stored: false; id: string } | { stored: true; id: string; outcome: InboundOutcome } | null> {
  if (await tx.inbound.hasOpenForIncident(received.connectionId, received.incidentSysId)) return null;
  const event: StoredInboundEvent = {
    id: timeOrderedId(),
    connectionId: received.connectionId,
    eventId: received.eventId,
    source: received.source,
    type: received.type,
    incidentSysId: received.incidentSysId,
    sequence: received.sequence,
    orderKey: received.orderKey,
    occurredAt: received.occurredAt,
    receivedAt: received.receivedAt,
    payload: payloadOf(received),
    state: 'processing',
    outcome: null,
    attempts: 1,
    nextAttemptAt: received.receivedAt,
    leaseOwner: input.owner,
    leaseExpiresAt: null,
    lastError: null,
    processedAt: null,
  };
  try {
    const outcome = await tools.savepoint(async () => {
      tracePoint('c.claimed');
      const change = inboundChangeOf(event);
      const { prepared, known } = await prepareAndRead(tx, event, change, input.mapping);
      if (!prepared) throw new LeaveForWorker();
      tracePoint('c.tx.begun');
      const decided = await applyInboundChange(tx, event, change, prepared, input, known);
      tracePoint('c.tx.applied');
      if (!(await tx.inbound.recordDone(event.id, received, decided, input.now))) throw new AlreadyStored();
      tracePoint('c.tx.finished');
      return decided;
    });
    return { stored: true, id: event.id, outcome };
  } catch (err) {
    if (!(err instanceof AlreadyStored)) return null;
    const existing = await tx.inbound.get(received.connectionId, received.eventId);
    return { stored: false, id: existing?.id ?? '' };
  }
}

/**
 * Stores received events and, in the same transaction, applies what is next in each of their
 * incidents' queues (one writer only: SQLite): a quiet push costs one commit and no hand-over to the
 * apply worker, and is answered once it is stored and applied. An event alone in its incident's
 * queue is applied and then stored done (applyThenStore). Otherwise each is stored, then claimed and
 * applied in a savepoint, in its incident's order (the claim of InboundEventRepository: due, first
 * of its incident, no live lease in its lane), so this takes exactly the events the apply worker
 * would take next. Anything else is left pending for the worker, unclaimed and with no attempt
 * counted: an event that needs the network (a correlation_id, an attachment), an unknown
 * connection, an unreadable payload, or a failing apply (the worker retries it with its backoff,
 * logs and metrics). At most as many events are applied per incident as were stored for it here.
 */
export const STORE_AND_APPLY_INBOUND: TransactionJob<StoreAndApplyInput, StoreAndApplyOutput> = {
  module: __filename,
  name: 'STORE_AND_APPLY_INBOUND',
  keptInputs: ['mapping', 'connections'],
  async run(tx, input, tools: TransactionJobTools) {
    const connections = connectionsById(input.connections);
    const laneKey = (event: NewInboundEvent) => `${event.connectionId}\u0000${event.incidentSysId}`;
    const inBatch = new Map<string, number>();
    for (const event of input.events) inBatch.set(laneKey(event), (inBatch.get(laneKey(event)) ?? 0) + 1);
    const stored: Array<{ stored: boolean; id: string; open?: boolean }> = [];
    const applied: StoreAndApplyOutput['applied'] = [];
    for (const event of input.events) {
      const connection = connections.get(event.connectionId);
      // Alone in its incident's queue: applied, then stored done (the usual way when that cannot be).
      const alone = connection && inBatch.get(laneKey(event)) === 1 ? await applyThenStore(tx, tools, event, { connection, mapping: input.mapping, owner: input.owner, now: input.now }) : null;
      if (alone) {
        stored.push({ stored: alone.stored, id: alone.id, open: false });
        if (alone.stored) {
          applied.push({ kind: 'applied', event: factsOfEvent(event), connectionName: connection!.name, outcome: alone.outcome });
          tracePoint('c.tx.checked');
        }
        continue;
      }
      stored.push(await tx.inbound.record(event));
    }
    tracePoint('c.tx.recorded');
    // The incidents of the events stored pending, in arrival order, with how many were stored for each.
    const lanes = new Map<string, { connectionId: string; incidentSysId: string; count: number; open: boolean }>();
    input.events.forEach((event, i) => {
      const s = stored[i]!;
      if (!s.stored || s.open === false) return;
      const key = laneKey(event);
      const lane = lanes.get(key) ?? { connectionId: event.connectionId, incidentSysId: event.incidentSysId, count: 0, open: true };
      lane.count++;
      lanes.set(key, lane);
    });
    for (const lane of lanes.values()) {
      const connection = connections.get(lane.connectionId);
      if (!connection) continue;
      for (let i = 0; i < lane.count; i++) {
        let result: StoreAndApplyOutput['applied'][number] | null;
        try {
          result = await tools.savepoint(async () => {
            const event = await tx.inbound.claim({ owner: input.owner, now: input.now, leaseMs: input.leaseMs, incident: lane });
            if (!event) return null;
            tracePoint('c.claimed');
            const outcome = await applyClaimed(tx, event, inboundChangeOf(event), { connection, mapping: input.mapping, owner: input.owner, now: input.now });
            if (outcome === null) throw new LeaveForWorker();
            return { kind: 'applied' as const, event: factsOfEvent(event), connectionName: connection.name, outcome };
          });
        } catch {
          // Undone: the worker takes it (and reports what fails).
          break;
        }
        if (!result) break;
        applied.push(result);
      }
      lane.open = await tx.inbound.hasOpenForIncident(lane.connectionId, lane.incidentSysId);
      tracePoint('c.tx.checked');
    }
    const recorded = input.events.map((event, i) => {
      const s = stored[i]!;
      if (s.open === false) return { stored: s.stored, id: s.id, open: false };
      return { stored: s.stored, id: s.id, open: lanes.get(laneKey(event))?.open ?? false };
    });
    return { recorded, applied };
  },
};
