// Why one file of over 500 lines: the six repositories of the sync store (incidents, inbound events,
// outbound writes, poll cursors, owners, pauses) share the row mappers, the open-state predicates
// that must repeat the literal WHERE terms of migration 0005's partial indexes, and the claim and
// per-connection-limit helpers, and KyselySyncStore composes them into one transactional store.
// Keeping them together keeps every SQL text that has to agree with those indexes in one place. If
// it grows, the seam is one file per repository class with the mappers and predicates in a shared
// module.

import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { SQLITE_BACKEND, withConflictRetry, type StoreBackend } from './backend';
import { StoredDataError } from './errors';
import type { FollowUpRepository } from './follow-up-store';
import { KyselyFollowUpRepository } from './kysely-follow-up-repository';
import type { AttachmentRepository } from './attachment-store';
import { KyselyAttachmentRepository } from './kysely-attachment-repository';
import { PreparedQuery } from './prepared-query';
import { MAX_SENDS_PER_CONNECTION } from './sync-store';
import type { CompanionDatabase } from './schema';
import type {
  ClaimOptions,
  ConnectionPause,
  FieldVersions,
  UnsettledFields,
  OwnWrites,
  OwnerRepository,
  PauseRepository,
  QueueOwner,
  InboundEventRepository,
  InboundState,
  IncidentLink,
  IncidentListOptions,
  IncidentRepository,
  IncidentSeverity,
  IncidentStatus,
  CustomFieldValue,
  IncidentChanges,
  NewIncident,
  LinkChanges,
  NewInboundEvent,
  NewIncidentLink,
  NewOutboundOp,
  OutboundClaimOptions,
  OutboundOp,
  OutboundPayload,
  OutboundQueueRepository,
  OutboundState,
  PollCursor,
  PollCursorRepository,
  PollSource,
  RetryOptions,
  StoredInboundEvent,
  StoredIncident,
  SyncRepositories,
  SyncStore,
  TimelineKind,
  TimelineSource,
  TimelineUpdate,
} from './sync-store';
import { JOURNAL_VISIBILITIES, visibilityOf, type JournalVisibility } from './sync-store';
import type {
  SyncInboundEventsTable,
  SyncIncidentsTable,
  SyncLinksTable,
  SyncOutboundOpsTable,
  SyncTimelineUpdatesTable,
} from './sync-schema';

/**
 * SyncStore over kysely, with portable queries only (SQLite today, PostgreSQL later). Claims are a
 * single `UPDATE … WHERE id = (SELECT …) AND <still claimable> RETURNING *`: of two replicas racing
 * for one row, exactly one gets it. Completion is fenced by the lease owner.
 */

type Db = Kysely<CompanionDatabase> | Transaction<CompanionDatabase>;

const iso = (d: Date): string => d.toISOString();
const dateOrNull = (text: string | null): Date | null => (text === null ? null : new Date(text));

/** A JSON object column, or StoredDataError naming the row: never a quiet null that fails later. */
function readObject<T extends object>(table: string, rowId: string, column: string, text: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StoredDataError(table, rowId, column, 'not JSON', err);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new StoredDataError(table, rowId, column, `a JSON object was expected, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as T;
}

/** Literal predicates: SQLite uses a partial index only when the query repeats its literal WHERE term (migration 0005). */
const OPEN_INBOUND = (alias: string) => sql<boolean>`${sql.ref(`${alias}.state`)} in ('pending', 'processing')`;
const OPEN_OUTBOUND = (alias: string) => sql<boolean>`${sql.ref(`${alias}.state`)} in ('pending', 'sending')`;

function toIncident(row: Selectable<SyncIncidentsTable>): StoredIncident {
  return {
    id: row.id,
    reference: `INC-${row.reference_number}`,
    referenceNumber: row.reference_number,
    connectionId: row.connection_id,
    name: row.name,
    summary: row.summary,
    status: row.status as IncidentStatus,
    severity: row.severity as IncidentSeverity,
    lead: row.lead_email,
    private: row.private === 1,
    type: row.incident_type,
    customFields: readObject<Record<string, CustomFieldValue>>('sync_incidents', row.id, 'custom_fields', row.custom_fields),
    exported: row.exported === 1,
    template: row.ticket_template,
    version: row.version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function readVisibility(row: Selectable<SyncTimelineUpdatesTable>): JournalVisibility | null {
  if (row.visibility === null) return null;
  if (!(JOURNAL_VISIBILITIES as readonly string[]).includes(row.visibility)) {
    throw new StoredDataError('sync_timeline_updates', row.id, 'visibility', `"${row.visibility}" is not one of ${JOURNAL_VISIBILITIES.join(', ')}`);
  }
  return row.visibility as JournalVisibility;
}

function toUpdate(row: Selectable<SyncTimelineUpdatesTable>): TimelineUpdate {
  const update: TimelineUpdate = {
    id: row.id,
    incidentId: row.incident_id,
    source: row.source as TimelineSource,
    kind: row.kind as TimelineKind,
    author: row.author,
    message: row.message,
    journalSysId: row.journal_sys_id,
    occurredAt: new Date(row.occurred_at),
    createdAt: new Date(row.created_at),
  };
  update.visibility = visibilityOf({ ...update, visibility: readVisibility(row) });
  return update;
}

function toLink(row: Selectable<SyncLinksTable>): IncidentLink {
  return {
    incidentId: row.incident_id,
    connectionId: row.connection_id,
    sysId: row.sys_id,
    number: row.number,
    state: row.state,
    deletedAt: dateOrNull(row.deleted_at),
    lastAppliedModCount: row.last_applied_mod_count,
    lastWrittenModCount: row.last_written_mod_count,
    snapshot: readObject<Record<string, string>>('sync_links', row.incident_id, 'snapshot', row.snapshot),
    fieldVersions: readObject<FieldVersions>('sync_links', row.incident_id, 'field_versions', row.field_versions),
    unsettledFields: readObject<UnsettledFields>('sync_links', row.incident_id, 'unsettled_fields', row.unsettled_fields),
    ownWrites: readObject<OwnWrites>('sync_links', row.incident_id, 'own_writes', row.own_writes),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toInbound(row: Selectable<SyncInboundEventsTable>): StoredInboundEvent {
  return {
    id: row.id,
    connectionId: row.connection_id,
    eventId: row.event_id,
    source: row.source,
    type: row.event_type as StoredInboundEvent['type'],
    incidentSysId: row.incident_sys_id,
    sequence: row.sequence,
    orderKey: row.order_key,
    occurredAt: new Date(row.occurred_at),
    receivedAt: new Date(row.received_at),
    payload: readObject<object>('sync_inbound_events', row.id, 'payload', row.payload),
    state: row.state,
    outcome: row.outcome,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: dateOrNull(row.lease_expires_at),
    lastError: row.last_error,
    processedAt: dateOrNull(row.processed_at),
  };
}

function toOp(row: Selectable<SyncOutboundOpsTable>): OutboundOp {
  return {
    id: row.id,
    seq: row.seq,
    incidentId: row.incident_id,
    connectionId: row.connection_id,
    kind: row.kind,
    payload: readObject<OutboundPayload>('sync_outbound_ops', row.id, 'payload', row.payload),
    state: row.state,
    attempts: row.attempts,
    ambiguous: row.ambiguous === 1,
    nextAttemptAt: new Date(row.next_attempt_at),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: dateOrNull(row.lease_expires_at),
    lastStatus: row.last_status,
    lastError: row.last_error,
    resultModCount: row.result_mod_count,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    completedAt: dateOrNull(row.completed_at),
  };
}

function earliest(...times: Array<string | null>): Date | null {
  const present = times.filter((t): t is string => t !== null).sort();
  return present.length > 0 ? new Date(present[0]!) : null;
}

/** Error texts are kept short in the database (they are for people, and never hold secrets). */
function clip(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

async function nextCounter(db: Db, name: string): Promise<number> {
  const row = await db
    .insertInto('sync_counters')
    .values({ name, value: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql<number>`sync_counters.value + 1` }))
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

/** Writes of a connection being sent under a live lease. */
async function countSending(db: Db, connectionId: string, now: string): Promise<number> {
  const row = await db
    .selectFrom('sync_outbound_ops as f')
    .select((f) => f.fn.countAll<number>().as('n'))
    .where(OPEN_OUTBOUND('f'))
    .where('f.connection_id', '=', connectionId)
    .where('f.state', '=', 'sending')
    .where('f.lease_expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A claim over the per-connection limit, given back by rolling its transaction back. */
class OverLimit extends Error {}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  // SQLite (better-sqlite3) and PostgreSQL (23505).
  return !!e && (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === '23505');
}

class KyselyIncidentRepository implements IncidentRepository {
  constructor(private readonly db: Db) {}

  nextReferenceNumber(): Promise<number> {
    return nextCounter(this.db, 'incident_reference');
  }

  async insertIncident(incident: NewIncident): Promise<StoredIncident> {
    const row: Selectable<SyncIncidentsTable> = {
      id: incident.id,
      reference_number: incident.referenceNumber,
      connection_id: incident.connectionId,
      name: incident.name,
      summary: incident.summary,
      status: incident.status,
      severity: incident.severity,
      lead_email: incident.lead,
      private: incident.private ? 1 : 0,
      incident_type: incident.type ?? null,
      custom_fields: JSON.stringify(incident.customFields ?? {}),
      exported: incident.exported === false ? 0 : 1,
      ticket_template: incident.template ?? null,
      version: 1,
      created_at: iso(incident.createdAt),
      updated_at: iso(incident.updatedAt),
    };
    await this.db.insertInto('sync_incidents').values(row).execute();
    return toIncident(row);
  }

  async updateIncident(id: string, expectedVersion: number, changes: IncidentChanges, at: Date): Promise<boolean> {
    const set: Partial<SyncIncidentsTable> = { updated_at: iso(at) };
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.summary !== undefined) set.summary = changes.summary;
    if (changes.status !== undefined) set.status = changes.status;
    if (changes.severity !== undefined) set.severity = changes.severity;
    if (changes.lead !== undefined) set.lead_email = changes.lead;
    if (changes.private !== undefined) set.private = changes.private ? 1 : 0;
    if (changes.type !== undefined) set.incident_type = changes.type;
    if (changes.customFields !== undefined) set.custom_fields = JSON.stringify(changes.customFields);
    if (changes.exported !== undefined) set.exported = changes.exported ? 1 : 0;
    if (changes.template !== undefined) set.ticket_template = changes.template;
    const result = await this.db
      .updateTable('sync_incidents')
      .set({ ...set, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async getIncident(id: string): Promise<StoredIncident | undefined> {
    const row = await this.db.selectFrom('sync_incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toIncident(row) : undefined;
  }

  async getIncidentByReference(referenceNumber: number): Promise<StoredIncident | undefined> {
    const row = await this.db.selectFrom('sync_incidents').selectAll().where('reference_number', '=', referenceNumber).executeTakeFirst();
    return row ? toIncident(row) : undefined;
  }

  async listIncidents(options: IncidentListOptions): Promise<StoredIncident[]> {
    let query = this.db.selectFrom('sync_incidents').selectAll();
    if (options.status) query = query.where('status', '=', options.status);
    const rows = await query.orderBy('reference_number', 'desc').limit(options.limit).offset(options.offset).execute();
    return rows.map(toIncident);
  }

  async insertUpdate(update: TimelineUpdate): Promise<boolean> {
    const result = await this.db
      .insertInto('sync_timeline_updates')
      .values({
        id: update.id,
        incident_id: update.incidentId,
        source: update.source,
        kind: update.kind,
        author: update.author,
        message: update.message,
        journal_sys_id: update.journalSysId,
        occurred_at: iso(update.occurredAt),
        created_at: iso(update.createdAt),
        visibility: visibilityOf(update),
      })
      .onConflict((oc) => oc.columns(['incident_id', 'journal_sys_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async listUpdates(incidentId: string): Promise<TimelineUpdate[]> {
    const rows = await this.db
      .selectFrom('sync_timeline_updates')
      .selectAll()
      .where('incident_id', '=', incidentId)
      // ServiceNow's times are whole seconds: within one second, the order the companion learned of them.
      .orderBy(sql`substr(occurred_at, 1, 19)`)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toUpdate);
  }

  async getLink(incidentId: string): Promise<IncidentLink | undefined> {
    const row = await this.db.selectFrom('sync_links').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
    return row ? toLink(row) : undefined;
  }

  async getLinkBySysId(connectionId: string, sysId: string): Promise<IncidentLink | undefined> {
    const row = await this.db
      .selectFrom('sync_links')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('sys_id', '=', sysId)
      .executeTakeFirst();
    return row ? toLink(row) : undefined;
  }

  async insertLink(link: NewIncidentLink, at: Date): Promise<boolean> {
    const result = await this.db
      .insertInto('sync_links')
      .values({
        incident_id: link.incidentId,
        connection_id: link.connectionId,
        sys_id: link.sysId,
        number: link.number,
        state: 'active',
        last_applied_mod_count: link.lastAppliedModCount,
        last_written_mod_count: link.lastWrittenModCount,
        snapshot: JSON.stringify(link.snapshot),
        field_versions: '{}',
        unsettled_fields: '{}',
        own_writes: '{}',
        created_at: iso(at),
        updated_at: iso(at),
        deleted_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async updateLink(incidentId: string, changes: LinkChanges, at: Date): Promise<void> {
    const set: Partial<SyncLinksTable> = { updated_at: iso(at) };
    if (changes.number !== undefined) set.number = changes.number;
    if (changes.state !== undefined) set.state = changes.state;
    if (changes.deletedAt !== undefined) set.deleted_at = changes.deletedAt === null ? null : iso(changes.deletedAt);
    if (changes.lastAppliedModCount !== undefined) set.last_applied_mod_count = changes.lastAppliedModCount;
    if (changes.lastWrittenModCount !== undefined) set.last_written_mod_count = changes.lastWrittenModCount;
    if (changes.snapshot !== undefined) set.snapshot = JSON.stringify(changes.snapshot);
    if (changes.fieldVersions !== undefined) set.field_versions = JSON.stringify(changes.fieldVersions);
    if (changes.unsettledFields !== undefined) set.unsettled_fields = JSON.stringify(changes.unsettledFields);
    if (changes.ownWrites !== undefined) set.own_writes = JSON.stringify(changes.ownWrites);
    await this.db.updateTable('sync_links').set(set).where('incident_id', '=', incidentId).execute();
  }
}

/** The hot queries of received events, compiled once per dialect (see PreparedQuery). */
const RECORD_INBOUND = new PreparedQuery(
  ['id', 'connectionId', 'eventId', 'source', 'type', 'incidentSysId', 'sequence', 'orderKey', 'occurredAt', 'receivedAt', 'payload'],
  (db: Kysely<CompanionDatabase>, a: Record<'id' | 'connectionId' | 'eventId' | 'incidentSysId' | 'orderKey' | 'occurredAt' | 'receivedAt' | 'payload', string> & Pick<NewInboundEvent, 'source' | 'type' | 'sequence'>) =>
    db
      .insertInto('sync_inbound_events')
      .values({
        id: a.id,
        connection_id: a.connectionId,
        event_id: a.eventId,
        source: a.source,
        event_type: a.type,
        incident_sys_id: a.incidentSysId,
        sequence: a.sequence,
        order_key: a.orderKey,
        occurred_at: a.occurredAt,
        received_at: a.receivedAt,
        payload: a.payload,
        state: 'pending',
        outcome: null,
        attempts: 0,
        next_attempt_at: a.receivedAt,
        lease_owner: null,
        lease_expires_at: null,
        last_error: null,
        processed_at: null,
      })
      .onConflict((oc) => oc.columns(['connection_id', 'event_id']).doNothing()),
);

/** The inbound claim (KyselyInboundRepository.claim explains it), compiled once per backend. */
function buildClaimInbound(backend: StoreBackend) {
  return new PreparedQuery(['now', 'owner', 'leaseExpiresAt'], (db: Kysely<CompanionDatabase>, args: Record<'now' | 'owner' | 'leaseExpiresAt', string>) =>
    db
      .updateTable('sync_inbound_events')
      .set((eb) => ({
        state: 'processing',
        lease_owner: args.owner,
        lease_expires_at: args.leaseExpiresAt,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', (eb) =>
        eb
          .selectFrom('sync_inbound_events as e')
          .select('e.id')
          .where(OPEN_INBOUND('e'))
          .where('e.next_attempt_at', '<=', args.now)
          .where((w) => w.or([w('e.state', '=', 'pending'), w('e.lease_expires_at', '<=', args.now)]))
          .where((w) =>
            w.not(
              w.exists(
                w
                  .selectFrom('sync_inbound_events as o')
                  .select('o.id')
                  .where(OPEN_INBOUND('o'))
                  .whereRef('o.connection_id', '=', 'e.connection_id')
                  .whereRef('o.incident_sys_id', '=', 'e.incident_sys_id')
                  .whereRef('o.order_key', '<', 'e.order_key'),
              ),
            ),
          )
          .where((w) =>
            w.not(
              w.exists(
                w
                  .selectFrom('sync_inbound_events as l')
                  .select('l.id')
                  .where(OPEN_INBOUND('l'))
                  .whereRef('l.connection_id', '=', 'e.connection_id')
                  .whereRef('l.incident_sys_id', '=', 'e.incident_sys_id')
                  .where('l.state', '=', 'processing')
                  .where('l.lease_expires_at', '>', args.now)
                  .whereRef('l.id', '<>', 'e.id'),
              ),
            ),
          )
          .orderBy('e.next_attempt_at')
          .orderBy('e.received_at')
          .orderBy('e.id')
          .limit(1)
          .$if(backend.skipLockedClaims, (q) => q.forUpdate().skipLocked()),
      )
      .where((w) => w.or([w('state', '=', 'pending'), w.and([w('state', '=', 'processing'), w('lease_expires_at', '<=', args.now)])]))
      .returningAll(),
  );
}
const CLAIM_INBOUND = new Map<StoreBackend['kind'], ReturnType<typeof buildClaimInbound>>();
function claimInbound(backend: StoreBackend): ReturnType<typeof buildClaimInbound> {
  let query = CLAIM_INBOUND.get(backend.kind);
  if (!query) CLAIM_INBOUND.set(backend.kind, (query = buildClaimInbound(backend)));
  return query;
}

class KyselyInboundRepository implements InboundEventRepository {
  constructor(
    private readonly db: Db,
    private readonly backend: StoreBackend,
  ) {}

  async record(event: NewInboundEvent): Promise<{ stored: boolean; id: string }> {
    const id = randomUUID();
    const result = await RECORD_INBOUND.execute(this.db, {
      id,
      connectionId: event.connectionId,
      eventId: event.eventId,
      source: event.source,
      type: event.type,
      incidentSysId: event.incidentSysId,
      sequence: event.sequence,
      orderKey: event.orderKey,
      occurredAt: iso(event.occurredAt),
      receivedAt: iso(event.receivedAt),
      payload: JSON.stringify(event.payload),
    });
    if (Number(result.numAffectedRows ?? 0) === 1) return { stored: true, id };
    const existing = await this.get(event.connectionId, event.eventId);
    return { stored: false, id: existing?.id ?? '' };
  }

  async get(connectionId: string, eventId: string): Promise<StoredInboundEvent | undefined> {
    const row = await this.db
      .selectFrom('sync_inbound_events')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('event_id', '=', eventId)
      .executeTakeFirst();
    return row ? toInbound(row) : undefined;
  }

  /**
   * Every access is bounded by the open-state partial indexes (migration 0005): the candidates are
   * open events in due order, and "first of its incident" probes the incident's open lane only, so a
   * claim costs the same with 0 or 100,000 finished events of that incident.
   */
  async claim(options: ClaimOptions): Promise<StoredInboundEvent | undefined> {
    const claimed = await claimInbound(this.backend).execute(this.db, {
      now: iso(options.now),
      owner: options.owner,
      leaseExpiresAt: iso(new Date(options.now.getTime() + options.leaseMs)),
    });
    const row = claimed.rows[0];
    if (!row) return undefined;
    try {
      return toInbound(row);
    } catch (err) {
      // A payload that cannot be read will not become readable: set it aside now, with the reason.
      if (err instanceof StoredDataError) await this.fail(row.id, options.owner, err.message, options.now);
      throw err;
    }
  }

  async finish(id: string, owner: string, outcome: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_inbound_events')
      .set({ state: 'done', outcome, processed_at: iso(at), lease_owner: null, lease_expires_at: null, last_error: null })
      .where('id', '=', id)
      .where('state', '=', 'processing')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async retry(id: string, owner: string, options: RetryOptions): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_inbound_events')
      .set({ state: 'pending', next_attempt_at: iso(options.nextAttemptAt), last_error: clip(options.error), lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .where('state', '=', 'processing')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async fail(id: string, owner: string, error: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_inbound_events')
      .set({ state: 'failed', outcome: 'failed', last_error: clip(error), processed_at: iso(at), lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .where('state', '=', 'processing')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async nextDueAt(): Promise<Date | null> {
    const pending = await this.db
      .selectFrom('sync_inbound_events as e')
      .select((eb) => eb.fn.min('e.next_attempt_at').as('at'))
      .where(OPEN_INBOUND('e'))
      .where('e.state', '=', 'pending')
      .executeTakeFirst();
    const leased = await this.db
      .selectFrom('sync_inbound_events as e')
      .select((eb) => eb.fn.min('e.lease_expires_at').as('at'))
      .where(OPEN_INBOUND('e'))
      .where('e.state', '=', 'processing')
      .executeTakeFirst();
    return earliest(pending?.at ?? null, leased?.at ?? null);
  }

  async release(owner: string, at: Date): Promise<number> {
    const result = await this.db
      .updateTable('sync_inbound_events')
      .set({ state: 'pending', lease_owner: null, lease_expires_at: null, next_attempt_at: iso(at) })
      .where('state', '=', 'processing')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async countByState(): Promise<Record<InboundState, number>> {
    const rows = await this.db
      .selectFrom('sync_inbound_events')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const counts: Record<InboundState, number> = { pending: 0, processing: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  async purgeDone(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('sync_inbound_events')
      .where('state', '=', 'done')
      .where('processed_at', '<', iso(before))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listForIncident(connectionId: string, incidentSysId: string): Promise<StoredInboundEvent[]> {
    const rows = await this.db
      .selectFrom('sync_inbound_events')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('incident_sys_id', '=', incidentSysId)
      .orderBy('order_key')
      .orderBy('received_at')
      .execute();
    return rows.map(toInbound);
  }

  async hasOpenForIncident(connectionId: string, incidentSysId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('sync_inbound_events as e')
      .select('e.id')
      .where('e.connection_id', '=', connectionId)
      .where('e.incident_sys_id', '=', incidentSysId)
      .where(OPEN_INBOUND('e'))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}


class KyselyOutboundRepository implements OutboundQueueRepository {
  constructor(
    private readonly db: Db,
    private readonly backend: StoreBackend,
  ) {}

  async enqueue(op: NewOutboundOp): Promise<OutboundOp> {
    const seq = await nextCounter(this.db, 'outbound_op');
    const row: Selectable<SyncOutboundOpsTable> = {
      id: randomUUID(),
      seq,
      incident_id: op.incidentId,
      connection_id: op.connectionId,
      kind: op.kind,
      payload: JSON.stringify(op.payload),
      state: 'pending',
      attempts: 0,
      ambiguous: 0,
      next_attempt_at: iso(op.createdAt),
      lease_owner: null,
      lease_expires_at: null,
      last_status: null,
      last_error: null,
      result_mod_count: null,
      created_at: iso(op.createdAt),
      updated_at: iso(op.createdAt),
      completed_at: null,
    };
    await this.db.insertInto('sync_outbound_ops').values(row).execute();
    return toOp(row);
  }

  async tail(incidentId: string): Promise<OutboundOp | undefined> {
    const row = await this.db
      .selectFrom('sync_outbound_ops')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toOp(row) : undefined;
  }

  async listOpen(incidentId: string): Promise<OutboundOp[]> {
    const rows = await this.db
      .selectFrom('sync_outbound_ops')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .where(OPEN_OUTBOUND('sync_outbound_ops'))
      .orderBy('seq')
      .execute();
    return rows.map(toOp);
  }

  async replacePendingPayload(id: string, payload: OutboundPayload, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_outbound_ops')
      .set({ payload: JSON.stringify(payload), updated_at: iso(at) })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async replaceClaimedPayload(id: string, owner: string, payload: OutboundPayload, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_outbound_ops')
      .set({ payload: JSON.stringify(payload), updated_at: iso(at) })
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Open rows only (partial indexes of migration 0005), as the inbound claim; paused connections are skipped unless probed. */
  /**
   * On PostgreSQL the per-connection limit is made exact across replicas: the claim and a recount
   * under a lock on the connection's row run in one transaction, so of two replicas that claimed the
   * last free place at once, the second sees the first and gives its claim back. (SQLite runs one
   * writer at a time: the single statement is exact already.)
   */
  async claim(options: OutboundClaimOptions): Promise<OutboundOp | undefined> {
    const max = options.maxSendsPerConnection ?? MAX_SENDS_PER_CONNECTION;
    if (!this.backend.skipLockedClaims || this.db.isTransaction) return this.claimOnce(this.db, options, max);
    try {
      return await (this.db as Kysely<CompanionDatabase>).transaction().execute(async (trx) => {
        const op = await this.claimOnce(trx, options, max);
        if (!op) return undefined;
        await sql`select id from connections where id = ${op.connectionId} for update`.execute(trx);
        if ((await countSending(trx, op.connectionId, iso(options.now))) > max) throw new OverLimit();
        return op;
      });
    } catch (err) {
      if (err instanceof OverLimit) return undefined;
      throw err;
    }
  }

  private async claimOnce(db: Db, options: OutboundClaimOptions, max: number): Promise<OutboundOp | undefined> {
    const now = iso(options.now);
    const excluded = [...(options.excludeConnections ?? [])];
    const row = await db
      .updateTable('sync_outbound_ops')
      .set((eb) => ({
        state: 'sending',
        lease_owner: options.owner,
        lease_expires_at: iso(new Date(options.now.getTime() + options.leaseMs)),
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', (eb) => {
        let candidates = eb
          .selectFrom('sync_outbound_ops as o')
          .select('o.id')
          .where(OPEN_OUTBOUND('o'))
          .where('o.next_attempt_at', '<=', now)
          .where((w) => w.or([w('o.state', '=', 'pending'), w('o.lease_expires_at', '<=', now)]))
          .where((w) =>
            w.not(
              w.exists(
                w
                  .selectFrom('sync_outbound_ops as p')
                  .select('p.id')
                  .where(OPEN_OUTBOUND('p'))
                  .whereRef('p.incident_id', '=', 'o.incident_id')
                  .whereRef('p.seq', '<', 'o.seq'),
              ),
            ),
          );
        if (options.onlyConnection !== undefined) {
          candidates = candidates.where('o.connection_id', '=', options.onlyConnection);
        } else {
          candidates = candidates.where((w) =>
            w.not(w.exists(w.selectFrom('sync_connection_pauses as z').select('z.connection_id').whereRef('z.connection_id', '=', 'o.connection_id'))),
          );
        }
        if (excluded.length > 0) candidates = candidates.where('o.connection_id', 'not in', excluded);
        candidates = candidates.where(
          (w) =>
            w
              .selectFrom('sync_outbound_ops as f')
              .select((f) => f.fn.countAll<number>().as('n'))
              .where(OPEN_OUTBOUND('f'))
              .whereRef('f.connection_id', '=', 'o.connection_id')
              .where('f.state', '=', 'sending')
              .where('f.lease_expires_at', '>', now),
          '<',
          max,
        );
        return candidates
          .orderBy('o.next_attempt_at')
          .orderBy('o.seq')
          .limit(1)
          .$if(this.backend.skipLockedClaims, (q) => q.forUpdate().skipLocked());
      })
      .where((w) => w.or([w('state', '=', 'pending'), w.and([w('state', '=', 'sending'), w('lease_expires_at', '<=', now)])]))
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    try {
      return toOp(row);
    } catch (err) {
      if (err instanceof StoredDataError) await this.kill(row.id, options.owner, { error: err.message, status: null, at: options.now });
      throw err;
    }
  }

  async nextDueAt(): Promise<Date | null> {
    const pending = await this.db
      .selectFrom('sync_outbound_ops as o')
      .select((eb) => eb.fn.min('o.next_attempt_at').as('at'))
      .where(OPEN_OUTBOUND('o'))
      .where('o.state', '=', 'pending')
      .where((w) => w.not(w.exists(w.selectFrom('sync_connection_pauses as z').select('z.connection_id').whereRef('z.connection_id', '=', 'o.connection_id'))))
      .executeTakeFirst();
    const leased = await this.db
      .selectFrom('sync_outbound_ops as o')
      .select((eb) => eb.fn.min('o.lease_expires_at').as('at'))
      .where(OPEN_OUTBOUND('o'))
      .where('o.state', '=', 'sending')
      .executeTakeFirst();
    const probe = await this.db.selectFrom('sync_connection_pauses').select((eb) => eb.fn.min('next_probe_at').as('at')).executeTakeFirst();
    return earliest(pending?.at ?? null, leased?.at ?? null, probe?.at ?? null);
  }

  async complete(id: string, owner: string, result: { modCount: number | null; status: number | null; at: Date }): Promise<boolean> {
    const updated = await this.db
      .updateTable('sync_outbound_ops')
      .set({
        state: 'done',
        result_mod_count: result.modCount,
        last_status: result.status,
        last_error: null,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: iso(result.at),
        completed_at: iso(result.at),
      })
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async retry(id: string, owner: string, options: RetryOptions): Promise<boolean> {
    const updated = await this.db
      .updateTable('sync_outbound_ops')
      .set((eb) => ({
        state: 'pending',
        next_attempt_at: iso(options.nextAttemptAt),
        last_error: clip(options.error),
        last_status: options.status ?? null,
        ambiguous: options.ambiguous ? 1 : eb.ref('ambiguous'),
        lease_owner: null,
        lease_expires_at: null,
        updated_at: iso(options.now),
      }))
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async kill(id: string, owner: string, result: { error: string; status: number | null; at: Date }): Promise<boolean> {
    const updated = await this.db
      .updateTable('sync_outbound_ops')
      .set({
        state: 'dead',
        last_error: clip(result.error),
        last_status: result.status,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: iso(result.at),
        completed_at: iso(result.at),
      })
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async cancelPending(incidentId: string, at: Date): Promise<number> {
    const updated = await this.db
      .updateTable('sync_outbound_ops')
      .set({ state: 'canceled', updated_at: iso(at), completed_at: iso(at) })
      .where('incident_id', '=', incidentId)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(updated.numUpdatedRows);
  }

  async release(owner: string, at: Date, nextAttemptAt: Date): Promise<number> {
    const updated = await this.db
      .updateTable('sync_outbound_ops')
      // A send interrupted by shutdown may have reached ServiceNow: check before sending again.
      .set({ state: 'pending', ambiguous: 1, lease_owner: null, lease_expires_at: null, next_attempt_at: iso(nextAttemptAt), updated_at: iso(at) })
      .where('state', '=', 'sending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows);
  }

  async countByState(): Promise<Record<OutboundState, number>> {
    const rows = await this.db
      .selectFrom('sync_outbound_ops')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const counts: Record<OutboundState, number> = { pending: 0, sending: 0, done: 0, dead: 0, canceled: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  async listForIncident(incidentId: string): Promise<OutboundOp[]> {
    const rows = await this.db.selectFrom('sync_outbound_ops').selectAll().where('incident_id', '=', incidentId).orderBy('seq').execute();
    return rows.map(toOp);
  }
}

class KyselyPollCursorRepository implements PollCursorRepository {
  constructor(private readonly db: Db) {}

  async claim(connectionId: string, source: PollSource, options: ClaimOptions): Promise<PollCursor | undefined> {
    const now = iso(options.now);
    const expires = iso(new Date(options.now.getTime() + options.leaseMs));
    const row = await this.db
      .insertInto('sync_poll_cursors')
      .values({
        connection_id: connectionId,
        source,
        cursor: null,
        lease_owner: options.owner,
        lease_expires_at: expires,
        last_run_at: null,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['connection_id', 'source'])
          .doUpdateSet({ lease_owner: options.owner, lease_expires_at: expires, updated_at: now })
          .where((w) =>
            w.or([
              w('sync_poll_cursors.lease_owner', 'is', null),
              w('sync_poll_cursors.lease_expires_at', '<=', now),
              w('sync_poll_cursors.lease_owner', '=', options.owner),
            ]),
          ),
      )
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    return { connectionId: row.connection_id, source: row.source, cursor: row.cursor, lastRunAt: dateOrNull(row.last_run_at) };
  }

  async advance(connectionId: string, source: PollSource, owner: string, cursor: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_poll_cursors')
      .set({ cursor: sql<string>`case when cursor is null or cursor < ${cursor} then ${cursor} else cursor end`, updated_at: iso(at) })
      .where('connection_id', '=', connectionId)
      .where('source', '=', source)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async finishRun(connectionId: string, source: PollSource, owner: string, at: Date): Promise<void> {
    await this.db
      .updateTable('sync_poll_cursors')
      .set({ last_run_at: iso(at), lease_owner: null, lease_expires_at: null, updated_at: iso(at) })
      .where('connection_id', '=', connectionId)
      .where('source', '=', source)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async get(connectionId: string, source: PollSource): Promise<PollCursor | undefined> {
    const row = await this.db
      .selectFrom('sync_poll_cursors')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('source', '=', source)
      .executeTakeFirst();
    return row ? { connectionId: row.connection_id, source: row.source, cursor: row.cursor, lastRunAt: dateOrNull(row.last_run_at) } : undefined;
  }
}

class KyselyOwnerRepository implements OwnerRepository {
  constructor(private readonly db: Db) {}

  async register(owner: Omit<QueueOwner, 'heartbeatAt'>): Promise<void> {
    await this.db
      .insertInto('sync_owners')
      .values({ id: owner.id, host: owner.host, pid: owner.pid, started_at: iso(owner.startedAt), heartbeat_at: iso(owner.startedAt) })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: iso(owner.startedAt) }))
      .execute();
  }

  async heartbeat(id: string, at: Date, leaseUntil: Date): Promise<boolean> {
    const until = iso(leaseUntil);
    const beat = await this.db.updateTable('sync_owners').set({ heartbeat_at: iso(at) }).where('id', '=', id).executeTakeFirst();
    if (Number(beat.numUpdatedRows) !== 1) return false;
    await this.db
      .updateTable('sync_inbound_events as e')
      .set({ lease_expires_at: until })
      .where(OPEN_INBOUND('e'))
      .where('e.lease_owner', '=', id)
      .where('e.state', '=', 'processing')
      .execute();
    await this.db
      .updateTable('sync_outbound_ops as o')
      .set({ lease_expires_at: until })
      .where(OPEN_OUTBOUND('o'))
      .where('o.lease_owner', '=', id)
      .where('o.state', '=', 'sending')
      .execute();
    await this.db.updateTable('sync_poll_cursors').set({ lease_expires_at: until }).where('lease_owner', '=', id).execute();
    return true;
  }

  async list(): Promise<QueueOwner[]> {
    const rows = await this.db.selectFrom('sync_owners').selectAll().orderBy('started_at').execute();
    return rows.map((r) => ({ id: r.id, host: r.host, pid: r.pid, startedAt: new Date(r.started_at), heartbeatAt: new Date(r.heartbeat_at) }));
  }

  async reclaim(id: string, at: Date): Promise<{ inbound: number; outbound: number }> {
    const now = iso(at);
    const inbound = await this.db
      .updateTable('sync_inbound_events as e')
      .set({ state: 'pending', lease_owner: null, lease_expires_at: null, next_attempt_at: now })
      .where(OPEN_INBOUND('e'))
      .where('e.lease_owner', '=', id)
      .where('e.state', '=', 'processing')
      .executeTakeFirst();
    const outbound = await this.db
      .updateTable('sync_outbound_ops as o')
      // The dead owner may have sent it: the next attempt looks before it writes (and re-decides every field).
      .set({ state: 'pending', ambiguous: 1, lease_owner: null, lease_expires_at: null, next_attempt_at: now, updated_at: now })
      .where(OPEN_OUTBOUND('o'))
      .where('o.lease_owner', '=', id)
      .where('o.state', '=', 'sending')
      .executeTakeFirst();
    await this.db.updateTable('sync_poll_cursors').set({ lease_owner: null, lease_expires_at: null, updated_at: now }).where('lease_owner', '=', id).execute();
    await this.db.deleteFrom('sync_owners').where('id', '=', id).execute();
    return { inbound: Number(inbound.numUpdatedRows), outbound: Number(outbound.numUpdatedRows) };
  }

  async unregister(id: string): Promise<void> {
    await this.db.deleteFrom('sync_owners').where('id', '=', id).execute();
  }
}

class KyselyPauseRepository implements PauseRepository {
  constructor(private readonly db: Db) {}

  async pause(input: { connectionId: string; until: Date; nextProbeAt: Date; retryAfterSeconds: number | null; reason: string; at: Date }): Promise<void> {
    await this.db
      .insertInto('sync_connection_pauses')
      .values({
        connection_id: input.connectionId,
        since: iso(input.at),
        until: iso(input.until),
        next_probe_at: iso(input.nextProbeAt),
        retry_after_seconds: input.retryAfterSeconds,
        hits: 1,
        reason: clip(input.reason),
        updated_at: iso(input.at),
      })
      .onConflict((oc) =>
        oc.column('connection_id').doUpdateSet((eb) => ({
          until: iso(input.until),
          next_probe_at: iso(input.nextProbeAt),
          retry_after_seconds: input.retryAfterSeconds,
          hits: eb('sync_connection_pauses.hits', '+', 1),
          reason: clip(input.reason),
          updated_at: iso(input.at),
        })),
      )
      .execute();
  }

  async takeProbe(connectionId: string, now: Date, nextProbeAt: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_connection_pauses')
      .set({ next_probe_at: iso(nextProbeAt), updated_at: iso(now) })
      .where('connection_id', '=', connectionId)
      .where('next_probe_at', '<=', iso(now))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async resume(connectionId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sync_connection_pauses').where('connection_id', '=', connectionId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async list(): Promise<ConnectionPause[]> {
    const rows = await this.db.selectFrom('sync_connection_pauses').selectAll().orderBy('since').execute();
    return rows.map((r) => ({
      connectionId: r.connection_id,
      since: new Date(r.since),
      until: new Date(r.until),
      nextProbeAt: new Date(r.next_probe_at),
      retryAfterSeconds: r.retry_after_seconds,
      hits: r.hits,
      reason: r.reason,
    }));
  }
}

class KyselySyncRepositories implements SyncRepositories {
  readonly incidents: IncidentRepository;
  readonly followUps: FollowUpRepository;
  readonly attachments: AttachmentRepository;
  readonly inbound: InboundEventRepository;
  readonly outbound: OutboundQueueRepository;
  readonly cursors: PollCursorRepository;
  readonly owners: OwnerRepository;
  readonly pauses: PauseRepository;

  constructor(db: Db, backend: StoreBackend) {
    this.incidents = new KyselyIncidentRepository(db);
    this.followUps = new KyselyFollowUpRepository(db);
    this.attachments = new KyselyAttachmentRepository(db);
    this.inbound = new KyselyInboundRepository(db, backend);
    this.outbound = new KyselyOutboundRepository(db, backend);
    this.cursors = new KyselyPollCursorRepository(db);
    this.owners = new KyselyOwnerRepository(db);
    this.pauses = new KyselyPauseRepository(db);
  }
}

export class KyselySyncStore extends KyselySyncRepositories implements SyncStore {
  constructor(
    private readonly db: Kysely<CompanionDatabase>,
    private readonly backend: StoreBackend = SQLITE_BACKEND,
  ) {
    super(db, backend);
  }

  /** Serializable on both backends; on PostgreSQL `work` may run again after a conflict, so it only touches the store. */
  transaction<T>(work: (tx: SyncRepositories) => Promise<T>): Promise<T> {
    return withConflictRetry(this.backend, () => {
      const builder = this.db.transaction();
      return (this.backend.serializableTransactions ? builder.setIsolationLevel('serializable') : builder).execute((trx) =>
        work(new KyselySyncRepositories(trx, this.backend)),
      );
    });
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }
}

export { isUniqueViolation };
