import type { Kysely, Selectable, Transaction } from 'kysely';
import { StoredDataError } from './errors';
import { FOLLOW_UP_STATUSES, type FollowUp, type FollowUpRecord, type FollowUpRepository, type FollowUpStatus, type FollowUpValues } from './follow-up-store';
import type { CompanionDatabase } from './schema';
import type { SyncFollowUpsTable } from './sync-schema';

type Db = Kysely<CompanionDatabase> | Transaction<CompanionDatabase>;

function toFollowUp(row: Selectable<SyncFollowUpsTable>): FollowUp {
  if (!(FOLLOW_UP_STATUSES as readonly string[]).includes(row.status)) {
    throw new StoredDataError('sync_follow_ups', row.id, 'status', `"${row.status}" is not one of ${FOLLOW_UP_STATUSES.join(', ')}`);
  }
  const record: FollowUpRecord | null =
    row.sys_id === null
      ? null
      : { table: row.servicenow_table ?? '', sysId: row.sys_id, number: row.number ?? '', state: row.servicenow_state ?? '', modCount: row.last_applied_mod_count };
  return {
    id: row.id,
    incidentId: row.incident_id,
    connectionId: row.connection_id,
    title: row.title,
    description: row.description,
    assignee: row.assignee_email,
    status: row.status as FollowUpStatus,
    record,
    version: row.version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export class KyselyFollowUpRepository implements FollowUpRepository {
  constructor(private readonly db: Db) {}

  async insert(followUp: Omit<FollowUp, 'record' | 'version'>): Promise<FollowUp> {
    const row = await this.db
      .insertInto('sync_follow_ups')
      .values({
        id: followUp.id,
        incident_id: followUp.incidentId,
        connection_id: followUp.connectionId,
        title: followUp.title,
        description: followUp.description,
        assignee_email: followUp.assignee,
        status: followUp.status,
        servicenow_table: null,
        sys_id: null,
        number: null,
        servicenow_state: null,
        last_applied_mod_count: -1,
        version: 1,
        created_at: followUp.createdAt.toISOString(),
        updated_at: followUp.updatedAt.toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toFollowUp(row);
  }

  async get(id: string): Promise<FollowUp | undefined> {
    const row = await this.db.selectFrom('sync_follow_ups').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toFollowUp(row) : undefined;
  }

  async listForIncident(incidentId: string): Promise<FollowUp[]> {
    const rows = await this.db.selectFrom('sync_follow_ups').selectAll().where('incident_id', '=', incidentId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toFollowUp);
  }

  async getBySysId(connectionId: string, sysId: string): Promise<FollowUp | undefined> {
    const row = await this.db.selectFrom('sync_follow_ups').selectAll().where('connection_id', '=', connectionId).where('sys_id', '=', sysId).executeTakeFirst();
    return row ? toFollowUp(row) : undefined;
  }

  async update(id: string, expectedVersion: number, changes: Partial<FollowUpValues>, at: Date): Promise<boolean> {
    const set: Partial<SyncFollowUpsTable> = {};
    if (changes.title !== undefined) set.title = changes.title;
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.assignee !== undefined) set.assignee_email = changes.assignee;
    if (changes.status !== undefined) set.status = changes.status;
    const result = await this.db
      .updateTable('sync_follow_ups')
      .set({ ...set, version: expectedVersion + 1, updated_at: at.toISOString() })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setRecord(id: string, record: FollowUpRecord, at: Date): Promise<void> {
    await this.db
      .updateTable('sync_follow_ups')
      .set({
        servicenow_table: record.table,
        sys_id: record.sysId,
        number: record.number,
        servicenow_state: record.state,
        last_applied_mod_count: record.modCount,
        updated_at: at.toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }
}
