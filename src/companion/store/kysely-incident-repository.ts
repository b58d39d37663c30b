/** The incident repository of the sync store (incidents, timeline updates, links) over kysely. */
import { sql, type Kysely, type Selectable } from 'kysely';
import {
  type IncidentLink,
  type IncidentListOptions,
  type IncidentRepository,
  type IncidentChanges,
  type NewIncident,
  type LinkChanges,
  type NewIncidentLink,
  type StoredIncident,
  type TimelineUpdate,
  visibilityOf,
} from './sync-store';
import type { SyncIncidentsTable, SyncLinksTable } from './sync-schema';
import { type Db, iso, toIncident, toUpdate, toLink, nextCounter } from './kysely-sync-common';
import { PreparedQuery, PreparedUpdates } from './prepared-query';
import type { CompanionDatabase } from './schema';

/** The reads of every applied change (an incident and its link), compiled once per dialect (see PreparedQuery). */
const GET_INCIDENT = new PreparedQuery(['id'], (db: Kysely<CompanionDatabase>, a: { id: string }) => db.selectFrom('sync_incidents').selectAll().where('id', '=', a.id));
const GET_LINK_BY_SYS_ID = new PreparedQuery(['connectionId', 'sysId'], (db: Kysely<CompanionDatabase>, a: { connectionId: string; sysId: string }) =>
  db.selectFrom('sync_links').selectAll().where('connection_id', '=', a.connectionId).where('sys_id', '=', a.sysId),
);

/**
 * The updates of every applied change (an incident's fields, its link's state), by the columns they
 * set: a handful of shapes in practice, each compiled once per dialect. The WHERE arguments are named
 * apart from the columns (`version` is both set and compared).
 */
const UPDATE_INCIDENT = new PreparedUpdates(['whereId', 'whereVersion'], (db: Kysely<CompanionDatabase>, columns: readonly string[], a: Record<string, unknown>) =>
  db
    .updateTable('sync_incidents')
    .set(Object.fromEntries(columns.map((c) => [c, a[c]])) as Partial<SyncIncidentsTable>)
    .where('id', '=', a.whereId as string)
    .where('version', '=', a.whereVersion as number),
);
const UPDATE_LINK = new PreparedUpdates(['whereIncidentId'], (db: Kysely<CompanionDatabase>, columns: readonly string[], a: Record<string, unknown>) =>
  db
    .updateTable('sync_links')
    .set(Object.fromEntries(columns.map((c) => [c, a[c]])) as Partial<SyncLinksTable>)
    .where('incident_id', '=', a.whereIncidentId as string),
);

export class KyselyIncidentRepository implements IncidentRepository {
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
    set.version = expectedVersion + 1;
    const result = await UPDATE_INCIDENT.execute(this.db, Object.keys(set), { ...set, whereId: id, whereVersion: expectedVersion });
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  async getIncident(id: string): Promise<StoredIncident | undefined> {
    const row = (await GET_INCIDENT.execute(this.db, { id })).rows[0];
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
    const row = (await GET_LINK_BY_SYS_ID.execute(this.db, { connectionId, sysId })).rows[0];
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
    await UPDATE_LINK.execute(this.db, Object.keys(set), { ...set, whereIncidentId: incidentId });
  }
}
