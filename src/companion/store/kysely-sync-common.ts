/**
 * What the sync store's repositories share: the row mappers, the open-state predicates that must
 * repeat the literal WHERE terms of migration 0005's partial indexes, the counters, and the claim and
 * per-connection-limit helpers (moved from kysely-sync-store.ts).
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { IncidentSnError } from '../../shared/errors';
import { StoredDataError } from './errors';
import type { CompanionDatabase } from './schema';
import {
  type FieldVersions,
  type UnsettledFields,
  type OwnWrites,
  type IncidentLink,
  type IncidentSeverity,
  type IncidentStatus,
  type CustomFieldValue,
  type OutboundOp,
  type OutboundPayload,
  type StoredInboundEvent,
  type StoredIncident,
  type TimelineKind,
  type TimelineSource,
  type TimelineUpdate,
  JOURNAL_VISIBILITIES,
  visibilityOf,
  type JournalVisibility,
} from './sync-store';
import type { SyncInboundEventsTable, SyncIncidentsTable, SyncLinksTable, SyncOutboundOpsTable, SyncTimelineUpdatesTable } from './sync-schema';

export type Db = Kysely<CompanionDatabase> | Transaction<CompanionDatabase>;

export const iso = (d: Date): string => d.toISOString();
export const dateOrNull = (text: string | null): Date | null => (text === null ? null : new Date(text));

/** A JSON object column, or StoredDataError naming the row: never a quiet null that fails later. */
export function readObject<T extends object>(table: string, rowId: string, column: string, text: string): T {
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
export const OPEN_INBOUND = (alias: string) => sql<boolean>`${sql.ref(`${alias}.state`)} in ('pending', 'processing')`;
export const OPEN_OUTBOUND = (alias: string) => sql<boolean>`${sql.ref(`${alias}.state`)} in ('pending', 'sending')`;

export function toIncident(row: Selectable<SyncIncidentsTable>): StoredIncident {
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

export function readVisibility(row: Selectable<SyncTimelineUpdatesTable>): JournalVisibility | null {
  if (row.visibility === null) return null;
  if (!(JOURNAL_VISIBILITIES as readonly string[]).includes(row.visibility)) {
    throw new StoredDataError('sync_timeline_updates', row.id, 'visibility', `"${row.visibility}" is not one of ${JOURNAL_VISIBILITIES.join(', ')}`);
  }
  return row.visibility as JournalVisibility;
}

export function toUpdate(row: Selectable<SyncTimelineUpdatesTable>): TimelineUpdate {
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

export function toLink(row: Selectable<SyncLinksTable>): IncidentLink {
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

export function toInbound(row: Selectable<SyncInboundEventsTable>): StoredInboundEvent {
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

export function toOp(row: Selectable<SyncOutboundOpsTable>): OutboundOp {
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

export function earliest(...times: Array<string | null>): Date | null {
  const present = times.filter((t): t is string => t !== null).sort();
  return present.length > 0 ? new Date(present[0]!) : null;
}

/** Error texts are kept short in the database (they are for people, and never hold secrets). */
export function clip(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export async function nextCounter(db: Db, name: string): Promise<number> {
  const row = await db
    .insertInto('sync_counters')
    .values({ name, value: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql<number>`sync_counters.value + 1` }))
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

/** Writes of a connection being sent under a live lease. */
export async function countSending(db: Db, connectionId: string, now: string): Promise<number> {
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

/** A lease's columns as they are when nobody holds it (a row leaving its claimed state, or given back). */
export const LEASE_CLEARED = { lease_owner: null, lease_expires_at: null } as const;

/** A claim over the per-connection limit, given back by rolling its transaction back. */
export class OverLimit extends IncidentSnError {
  constructor() {
    super('the claim went over the per-connection limit and is given back', { code: 'claim_over_limit' });
  }
}
