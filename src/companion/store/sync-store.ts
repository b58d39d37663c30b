// Why one file of over 500 lines: it is declarative, the types of the sync store's repositories
// (incidents, inbound events, outbound queue, polling cursors, owners, pauses) and their rows, with
// one small rule (visibilityOf) as the only logic; their implementations are one file each
// (kysely-*-repository.ts).

/**
 * The sync's storage (`store.sync`): the incident.io side's incidents and timelines, their links to
 * ServiceNow records, the events received from ServiceNow (pushes and polled changes), the
 * outbound queue of writes to ServiceNow, and the polling cursors.
 *
 * Every write is idempotent (unique keys, insert-or-ignore, conditional updates) and every claim is
 * one conditional `UPDATE … RETURNING` with a lease that expires, so several companion replicas can
 * share one database and a replica killed mid-way loses nothing: its leases expire and another
 * replica takes the work again. `transaction()` runs several repository calls atomically (an
 * incident change and its outbound write; an applied event and its "done" mark).
 *
 * Times go in as Date values (the caller's clock) and are stored as ISO 8601 text in UTC.
 */
import type { FollowUpRepository, FollowUpStatus } from './follow-up-store';
import type { AttachmentRepository } from './attachment-store';
import type { EventType } from '../../server/contract/push-event';

export const INCIDENT_STATUSES = ['triage', 'investigating', 'fixing', 'monitoring', 'resolved', 'closed', 'declined'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const INCIDENT_SEVERITIES = ['critical', 'major', 'minor'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/** The incident.io fields that are synced with ServiceNow. */
export const SYNCED_FIELDS = ['name', 'summary', 'status', 'severity', 'lead'] as const;
export type SyncedField = (typeof SYNCED_FIELDS)[number];

export interface IncidentValues {
  name: string;
  summary: string;
  status: IncidentStatus;
  severity: IncidentSeverity;
  /** The lead's email, or null. */
  lead: string | null;
}

/** A custom field's value: text, or the options of a multi-select. */
export type CustomFieldValue = string | string[];

/**
 * What incident.io knows of an incident besides the synced fields. They are not synced field by
 * field: the mapping's ticket templates read them (their conditions, and values they fill in).
 */
export interface IncidentAttributes {
  /** A private incident gets a ServiceNow ticket only when the chosen template allows it. */
  private: boolean;
  /** The incident type (incident.io's "incident type"), or null. */
  type: string | null;
  customFields: Record<string, CustomFieldValue>;
}

/**
 * Whether the incident has (or will have) a ServiceNow ticket: false while no ticket template
 * matches it; set true, with the template's name, when one does (at declaration or a later change).
 * Never set back: an incident that stops matching keeps its ticket and stays in sync.
 */
export interface IncidentTicket {
  exported: boolean;
  /** The template that made its ticket; null with the built-in mapping (no templates). */
  template: string | null;
}

export const DEFAULT_ATTRIBUTES: IncidentAttributes = { private: false, type: null, customFields: {} };

export interface StoredIncident extends IncidentValues, IncidentAttributes, IncidentTicket {
  id: string;
  /** `INC-<n>`. */
  reference: string;
  referenceNumber: number;
  /** The connection (instance) the incident syncs with; null once that connection was deleted. */
  connectionId: string | null;
  /** Bumped by every change: changes are made with `updateIncident(…, expectedVersion)`. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type TimelineSource = 'incident.io' | 'servicenow' | 'companion';
/** `update`: written in incident.io; `comment` / `work_note`: a ServiceNow journal entry; `notice`: the sync says something. */
export type TimelineKind = 'update' | 'comment' | 'work_note' | 'notice';

/** What a timeline update is in ServiceNow: an internal work note or a customer-visible comment. */
export const JOURNAL_VISIBILITIES = ['work_note', 'comment'] as const;
export type JournalVisibility = (typeof JOURNAL_VISIBILITIES)[number];

export interface TimelineUpdate {
  id: string;
  incidentId: string;
  source: TimelineSource;
  kind: TimelineKind;
  author: string | null;
  message: string;
  /** The ServiceNow journal entry this update came from (unique per incident), or null. */
  journalSysId: string | null;
  /** When it happened (for a journal entry, its sys_created_on). */
  occurredAt: Date;
  createdAt: Date;
  /** incident.io's update: what it becomes in ServiceNow; a journal entry: what it was; a notice: null. Left out, it follows from source and kind. */
  visibility?: JournalVisibility | null;
}

/** The visibility of an update stored without one: a journal entry's kind; incident.io's updates were all work notes. */
export function visibilityOf(update: Pick<TimelineUpdate, 'source' | 'kind' | 'visibility'>): JournalVisibility | null {
  if (update.visibility !== undefined && update.visibility !== null) return update.visibility;
  if (update.kind === 'comment' || update.kind === 'work_note') return update.kind;
  return update.source === 'incident.io' ? 'work_note' : null;
}

/**
 * The last known ServiceNow values of a linked record's synced fields, flat: references by sys_id
 * (`assigned_to`) with the values the sync needs alongside under their dot-walked names
 * (`assigned_to.email`), as the Table API returns them.
 */
export type ServiceNowSnapshot = Record<string, string>;

/** The version (sys_mod_count) and time (ISO 8601) of a change someone other than the companion made to a ServiceNow field. */
export interface FieldVersion {
  modCount: number;
  at: string;
}

/** Per ServiceNow field, its last change by someone else that the companion applied. */
export type FieldVersions = Partial<Record<string, FieldVersion>>;

/**
 * ServiceNow fields whose snapshot value is older than `lastAppliedModCount`: a version (`until`)
 * showed the field changed without saying when (a write's answer, a read), and left it for the app's
 * pushes of the versions in between, which say when (decideRecordChange). `seen`: the sys_mod_count
 * the snapshot's value is from.
 */
export type UnsettledFields = Partial<Record<string, { seen: number; until: number }>>;

/**
 * Per ServiceNow field, the companion's last write of it: decided on version `decidedOn` (what it
 * knew), made version `landed`, carrying incident.io's change of `changedAt`. A change by someone
 * else between the two was overwritten by a write that did not know it.
 */
export type OwnWrites = Partial<Record<string, { decidedOn: number; landed: number; changedAt: string }>>;

export interface IncidentLink {
  incidentId: string;
  connectionId: string;
  sysId: string;
  number: string;
  state: 'active' | 'deleted';
  deletedAt: Date | null;
  /**
   * The sys_mod_count of the newest version the incident reflects (an applied event, or one of the
   * companion's own writes): an event not newer than this is stale.
   */
  lastAppliedModCount: number;
  /** The highest sys_mod_count one of the companion's own writes produced (-1: none). */
  lastWrittenModCount: number;
  /** The record's tracked fields as of `lastAppliedModCount`: what a newer version is compared with. */
  snapshot: ServiceNowSnapshot;
  /** What queued writes are re-decided against before they are sent. */
  fieldVersions: FieldVersions;
  /** Fields of the snapshot older than `lastAppliedModCount` (their pushes are awaited). */
  unsettledFields: UnsettledFields;
  /** The companion's last write of each field (a change made while it was on its way may be restored). */
  ownWrites: OwnWrites;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewIncidentLink {
  incidentId: string;
  connectionId: string;
  sysId: string;
  number: string;
  lastAppliedModCount: number;
  lastWrittenModCount: number;
  snapshot: ServiceNowSnapshot;
}

export interface LinkChanges {
  number?: string;
  state?: 'active' | 'deleted';
  deletedAt?: Date | null;
  lastAppliedModCount?: number;
  lastWrittenModCount?: number;
  snapshot?: ServiceNowSnapshot;
  fieldVersions?: FieldVersions;
  unsettledFields?: UnsettledFields;
  ownWrites?: OwnWrites;
}

// ── Inbound events ────────────────────────────────────────────────────────────

export type InboundSource = 'push' | 'poll';
/** The contract's incident event types (a ping is never stored as an inbound event). */
export type InboundEventType = EventType;
export type InboundState = 'pending' | 'processing' | 'done' | 'failed';

export interface NewInboundEvent {
  connectionId: string;
  /** The app's event id (pushes), or an id built from the record's version (polled changes). */
  eventId: string;
  source: InboundSource;
  type: InboundEventType;
  incidentSysId: string;
  sequence: number;
  /** Orders the events of one incident: sequence, then kind, then arrival. */
  orderKey: string;
  occurredAt: Date;
  receivedAt: Date;
  /** The normalized change (JSON). */
  payload: unknown;
  /**
   * The payload already serialized (JSON.stringify(payload)): stored as it is, and `payload` is not
   * read. For an event sent to the store's thread, where one string clones for a fraction of the
   * CPU of the nested object.
   */
  payloadJson?: string;
}

export interface StoredInboundEvent extends Omit<NewInboundEvent, 'payload' | 'payloadJson'> {
  id: string;
  payload: unknown;
  state: InboundState;
  /** What applying it did (`applied`, `stale`, `unlinked`, …), once done. */
  outcome: string | null;
  attempts: number;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  processedAt: Date | null;
}

// ── Outbound queue ────────────────────────────────────────────────────────────

/** `follow_up`: create or update the ServiceNow record of one of the incident's follow-ups. */
export type OutboundKind = 'create' | 'update' | 'note' | 'follow_up';
export type OutboundState = 'pending' | 'sending' | 'done' | 'dead' | 'canceled';

/** A field to write, with when it changed in incident.io (ISO 8601): the conflict rule compares it. */
export interface FieldChange {
  value: string | null;
  changedAt: string;
  /**
   * What the change was based on: the ServiceNow version the link reflected when it was queued
   * (-1: no record yet) and the incident version it produced. Absent in writes queued before
   * migration 0005 (treated as based on nothing: only times decide).
   */
  basis?: { serviceNowModCount: number; incidentVersion: number };
}

export interface OutboundPayload {
  /** create / update: the incident.io fields to write (coalesced: the latest value of each). */
  fields?: Partial<Record<SyncedField, FieldChange>>;
  /** note: the timeline update that becomes a work note. */
  note?: { updateId: string; body: string; visibility?: JournalVisibility };
  /** follow_up: which follow-up, and the values to write (all of them for its create). */
  followUp?: { id: string; fields: Partial<Record<'title' | 'description' | 'assignee', string | null>>; status?: FollowUpStatus };
  /**
   * update: what the last attempt sent and the ServiceNow version it was decided on, kept before
   * the send. When that attempt's answer was never recorded (its process died, or no answer came),
   * the next attempt recognises what landed and the changes by others it overwrote (docs/sync.md).
   */
  lastAttempt?: { decidedOn: number; fields: Partial<Record<SyncedField, FieldChange>> };
  /**
   * update: the write waits for the app's pushes of the versions its read found, since `since`; kept
   * with the write so any process that takes it over keeps the bound (pushWaitMs).
   */
  awaiting?: { since: string };
}

export interface NewOutboundOp {
  incidentId: string;
  connectionId: string;
  kind: OutboundKind;
  payload: OutboundPayload;
  createdAt: Date;
}

export interface OutboundOp {
  id: string;
  /** Global position: an incident's operations are sent in this order. */
  seq: number;
  incidentId: string;
  connectionId: string;
  kind: OutboundKind;
  payload: OutboundPayload;
  state: OutboundState;
  /** Attempts so far (incremented when claimed). */
  attempts: number;
  /** An earlier attempt may have reached ServiceNow without us seeing the answer. */
  ambiguous: boolean;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  /** The sys_mod_count the write produced. */
  resultModCount: number | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

export interface ClaimOptions {
  owner: string;
  now: Date;
  leaseMs: number;
  /** Only an event of this record (the next of its lane, when due). */
  incident?: { connectionId: string; incidentSysId: string };
}

/**
 * Writes in flight to one connection at once, whatever the number of replicas: one companion's
 * outbound workers (4 by default) never exceed it alone, and three replicas together send no more.
 */
export const MAX_SENDS_PER_CONNECTION = 4;

export interface OutboundClaimOptions extends ClaimOptions {
  /** Default MAX_SENDS_PER_CONNECTION: no write is claimed from a connection with this many being sent (live leases). */
  maxSendsPerConnection?: number;
  /** Connections not to send to now. Paused connections (sync_connection_pauses) are never claimed from, unless `onlyConnection` names one (its probe). */
  excludeConnections?: readonly string[];
  /** Claim only from this connection, paused or not (the single probe of a rate-limited connection). */
  onlyConnection?: string;
}

export interface RetryOptions {
  nextAttemptAt: Date;
  error: string;
  status?: number | null;
  ambiguous?: boolean;
  now: Date;
}

// ── Polling cursors ───────────────────────────────────────────────────────────

/**
 * What a lease in sync_poll_cursors is for: a polled source (`follow_up`: the follow-up table, when it
 * is not incident; sync/poller.ts), or `outbox`: the catch-up's reads of the app's outbox (sync/outbox-catch-up.ts; no cursor).
 */
export type PollSource = 'incident' | 'journal' | 'attachment' | 'follow_up' | 'outbox';

export interface PollCursor {
  connectionId: string;
  source: PollSource;
  /** ServiceNow `sys_updated_on` / `sys_created_on` (`YYYY-MM-DD HH:MM:SS`, UTC) reached; null before the first run. */
  cursor: string | null;
  lastRunAt: Date | null;
}

// ── Repositories ──────────────────────────────────────────────────────────────

export interface IncidentListOptions {
  limit: number;
  offset: number;
  status?: IncidentStatus;
}

export type NewIncident = Omit<StoredIncident, 'reference' | 'version' | keyof IncidentAttributes | keyof IncidentTicket> &
  Partial<IncidentAttributes & IncidentTicket>;

export type IncidentChanges = Partial<IncidentValues & IncidentAttributes & IncidentTicket>;

export interface IncidentRepository {
  /** The next `INC-<n>` number (an atomic counter: never the same twice, even across replicas). */
  nextReferenceNumber(): Promise<number>;
  /** Attributes default to DEFAULT_ATTRIBUTES, the ticket to exported without a template. */
  insertIncident(incident: NewIncident): Promise<StoredIncident>;
  /**
   * Changes fields if the stored version is still `expectedVersion` (and bumps it); false when
   * another change came first, so the caller re-reads and tries again.
   */
  updateIncident(id: string, expectedVersion: number, changes: IncidentChanges, at: Date): Promise<boolean>;
  getIncident(id: string): Promise<StoredIncident | undefined>;
  getIncidentByReference(referenceNumber: number): Promise<StoredIncident | undefined>;
  listIncidents(options: IncidentListOptions): Promise<StoredIncident[]>;

  /** Adds a timeline update; false (nothing written) when its journal entry is already on the timeline. */
  insertUpdate(update: TimelineUpdate): Promise<boolean>;
  listUpdates(incidentId: string): Promise<TimelineUpdate[]>;

  getLink(incidentId: string): Promise<IncidentLink | undefined>;
  getLinkBySysId(connectionId: string, sysId: string): Promise<IncidentLink | undefined>;
  /** False (nothing written) when the incident or the (connection, sys_id) is already linked. */
  insertLink(link: NewIncidentLink, at: Date): Promise<boolean>;
  updateLink(incidentId: string, changes: LinkChanges, at: Date): Promise<void>;
}

/**
 * Stores received events for the webhook's group commit: one event in its own transaction, or
 * several in one (results in order; if it fails, none of them is stored). The default is the sync
 * store's own (inboundWriterOf in sync/inbound-group-commit.ts); the companion server's SQLite
 * store has one on a connection of its own (SqliteInboundWriter).
 */
export interface InboundWriter {
  record(event: NewInboundEvent): Promise<{ stored: boolean; id: string }>;
  recordAll(events: readonly NewInboundEvent[]): Promise<Array<{ stored: boolean; id: string }>>;
  /**
   * How many batches may be handed over before the first is committed (default 1). A writer that
   * runs its batches one after another on a thread of its own takes the next while the previous
   * commits, so the next transaction starts as soon as the fsync ends (SqliteInboundWriter: 2).
   */
  readonly batchesInFlight?: number;
}

export interface InboundEventRepository {
  /** Stores an event unless (connection, event id) is stored already: `stored` false for a duplicate. */
  record(event: NewInboundEvent): Promise<{ stored: boolean; id: string }>;
  /**
   * Stores, under `id`, an event its caller applied earlier in this transaction without claiming it
   * (nothing else of its incident was open): done with `outcome`, one attempt, at `at`, as a claimed
   * event that was finished would be. False, storing nothing, when (connection, event id) is stored
   * already: the caller undoes its apply.
   */
  recordDone(id: string, event: NewInboundEvent, outcome: string, at: Date): Promise<boolean>;
  get(connectionId: string, eventId: string): Promise<StoredInboundEvent | undefined>;
  /**
   * Claims the next event to apply: due, not leased, and first of its incident (no earlier
   * event of the same incident still pending or being applied). An expired lease counts as free.
   */
  claim(options: ClaimOptions): Promise<StoredInboundEvent | undefined>;
  /** Marks a claimed event done; false when this owner no longer holds its lease. */
  finish(id: string, owner: string, outcome: string, at: Date): Promise<boolean>;
  /** Puts a claimed event back for a later attempt. */
  retry(id: string, owner: string, options: RetryOptions): Promise<boolean>;
  /** Gives up on a claimed event (kept, with its error, for people to look at). */
  fail(id: string, owner: string, error: string, at: Date): Promise<boolean>;
  /** Gives back every lease of this owner (shutdown, or a dead owner's work at start). */
  release(owner: string, at: Date): Promise<number>;
  /** When the next claim can find something (a pending event due, or a lease that expires); null: nothing open. Reads open rows only. */
  nextDueAt(): Promise<Date | null>;
  /** Events by state. */
  countByState(): Promise<Record<InboundState, number>>;
  /** Deletes done events processed before `before` (their ids are no longer deduplicated). */
  purgeDone(before: Date): Promise<number>;
  listForIncident(connectionId: string, incidentSysId: string): Promise<StoredInboundEvent[]>;
  /** Whether an event of this record is still to be applied (pending or processing). */
  hasOpenForIncident(connectionId: string, incidentSysId: string): Promise<boolean>;
}

export interface OutboundQueueRepository {
  enqueue(op: NewOutboundOp): Promise<OutboundOp>;
  /** The incident's last operation (any state). */
  tail(incidentId: string): Promise<OutboundOp | undefined>;
  /** The incident's operations not finished yet (pending or sending), in order. */
  listOpen(incidentId: string): Promise<OutboundOp[]>;
  /** Replaces the payload of an operation still pending (not claimed); false otherwise. */
  replacePendingPayload(id: string, payload: OutboundPayload, at: Date): Promise<boolean>;
  /** Replaces the payload of an operation this owner is sending (re-decided before the send); false when the lease was lost. */
  replaceClaimedPayload(id: string, owner: string, payload: OutboundPayload, at: Date): Promise<boolean>;
  /** When the next claim can find something (ignoring paused connections, counting their next probe); null: nothing open. */
  nextDueAt(): Promise<Date | null>;
  /** Claims the first due operation of an incident whose earlier operations are all finished. */
  claim(options: OutboundClaimOptions): Promise<OutboundOp | undefined>;
  complete(id: string, owner: string, result: { modCount: number | null; status: number | null; at: Date }): Promise<boolean>;
  retry(id: string, owner: string, options: RetryOptions): Promise<boolean>;
  /** Gives up on an operation ServiceNow refuses for good (it stays, with the reason). */
  kill(id: string, owner: string, result: { error: string; status: number | null; at: Date }): Promise<boolean>;
  /** Cancels the incident's operations not claimed yet (the record was deleted in ServiceNow). */
  cancelPending(incidentId: string, at: Date): Promise<number>;
  /** Gives back this owner's sends in progress (shutdown): marked ambiguous, due again at `nextAttemptAt`. */
  release(owner: string, at: Date, nextAttemptAt: Date): Promise<number>;
  countByState(): Promise<Record<OutboundState, number>>;
  listForIncident(incidentId: string): Promise<OutboundOp[]>;
}

export interface PollCursorRepository {
  /** Takes the cursor's lease (creating the row the first time); undefined while another holder's lease runs. */
  claim(connectionId: string, source: PollSource, options: ClaimOptions): Promise<PollCursor | undefined>;
  /** Moves the cursor forward (never back) while holding the lease; false when the lease was lost. */
  advance(connectionId: string, source: PollSource, owner: string, cursor: string, at: Date): Promise<boolean>;
  /** Ends a run: records it and gives the lease back. */
  finishRun(connectionId: string, source: PollSource, owner: string, at: Date): Promise<void>;
  get(connectionId: string, source: PollSource): Promise<PollCursor | undefined>;
}

// ── Owners (processes holding leases) ──────────────────────────────────────────

export interface QueueOwner {
  id: string;
  host: string;
  pid: number;
  startedAt: Date;
  heartbeatAt: Date;
}

export interface OwnerRepository {
  register(owner: Omit<QueueOwner, 'heartbeatAt'>): Promise<void>;
  /**
   * Records a heartbeat and extends every lease the owner holds (events, writes, poll cursors) to
   * `leaseUntil`; false when the owner's row is gone (another process found it dead).
   */
  heartbeat(id: string, at: Date, leaseUntil: Date): Promise<boolean>;
  list(): Promise<QueueOwner[]>;
  /**
   * Frees everything a dead owner held, at once, and removes it: events pending again, writes
   * pending again and marked ambiguous (they may have reached ServiceNow), cursor leases dropped.
   */
  reclaim(id: string, at: Date): Promise<{ inbound: number; outbound: number }>;
  unregister(id: string): Promise<void>;
}

// ── Rate-limit pauses ─────────────────────────────────────────────────────────

export interface ConnectionPause {
  connectionId: string;
  since: Date;
  /** What Retry-After asked for. */
  until: Date;
  /** When one request may be sent to see whether the limit was lifted. */
  nextProbeAt: Date;
  retryAfterSeconds: number | null;
  hits: number;
  reason: string;
}

export interface PauseRepository {
  /** Pauses the connection (or extends the pause after another 429 answer). */
  pause(input: { connectionId: string; until: Date; nextProbeAt: Date; retryAfterSeconds: number | null; reason: string; at: Date }): Promise<void>;
  /** Takes the connection's probe when it is due (one taker, even across processes): the next probe moves to `nextProbeAt`. */
  takeProbe(connectionId: string, now: Date, nextProbeAt: Date): Promise<boolean>;
  /** Ends the pause (a request passed). */
  resume(connectionId: string): Promise<boolean>;
  list(): Promise<ConnectionPause[]>;
}

export interface SyncRepositories {
  readonly incidents: IncidentRepository;
  readonly followUps: FollowUpRepository;
  readonly attachments: AttachmentRepository;
  readonly inbound: InboundEventRepository;
  readonly outbound: OutboundQueueRepository;
  readonly cursors: PollCursorRepository;
  readonly owners: OwnerRepository;
  readonly pauses: PauseRepository;
}

/** What a transaction is about, so transactions about the same thing take turns instead of conflicting. */
export interface TransactionScope {
  /**
   * The incident whose state the transaction reads and decides on (its fields, link, queued writes).
   * On PostgreSQL, transactions with the same key run one after another across replicas: each
   * takes the key's lock before its snapshot, so it sees what the one before it committed instead of
   * aborting on it. On SQLite (one writer) it changes nothing. A function is called only when the
   * key is needed (PostgreSQL), before the transaction: finding the key may cost a read.
   */
  incident?: string | (() => Promise<string>);
}

/** What a transaction job gets besides the repositories. */
export interface TransactionJobTools {
  /** Runs `work` in a savepoint: when it throws, its writes are undone and the transaction goes on. */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * A transaction's work, named so that it can run where the store's connection is: on the SQLite
 * store's thread it runs there whole, in one message (the write lock is held only while the thread
 * runs it, never across a round trip to the event loop); elsewhere it runs as `transaction` would.
 * So it touches only the store, its input and output are plain data (structured clone), and an error
 * it throws comes back with its message and `code` only.
 */
export interface TransactionJob<I, O> {
  /** The module that exports the job (its `__filename`) and the export's name: the thread loads it from there. */
  readonly module: string;
  readonly name: string;
  /** Input properties that are the same unchanging object on every run (the mapping): the store's thread keeps them (SqliteThread.job). */
  readonly keptInputs?: ReadonlyArray<keyof I & string>;
  run(tx: SyncRepositories, input: I, tools: TransactionJobTools): Promise<O>;
}

export interface SyncStore extends SyncRepositories {
  /** Runs `work` in one transaction: all its writes happen, or none. */
  transaction<T>(work: (tx: SyncRepositories) => Promise<T>, scope?: TransactionScope): Promise<T>;
  /** Runs `job` in one transaction (on the store's thread when it has one): all its writes happen, or none. */
  runJob<I, O>(job: TransactionJob<I, O>, input: I, scope?: TransactionScope): Promise<O>;
  /**
   * One writer at a time for the whole store (SQLite): a transaction may claim queued work and act
   * on it at once. False on PostgreSQL, where work is claimed first and its transaction then takes
   * the incident's lock.
   */
  readonly singleWriter: boolean;
  /** Throws when the database cannot be reached (for /healthz). */
  ping(): Promise<void>;
}
