import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * `sync_follow_ups`: an incident's follow-ups and the ServiceNow record each became (a record of the
 * mapping's follow-up table whose parent field is the incident's record). `sys_id` is null until the
 * create has been made; (connection, sys_id) is unique, so a record is one follow-up's.
 * `last_applied_mod_count` guards ServiceNow's changes (an older version is never applied).
 *
 * `sync_outbound_ops.kind` gains `follow_up` (a follow-up's create or update goes through the same
 * queue as the incident's writes, in its lane). PostgreSQL replaces the CHECK constraint; SQLite cannot
 * change one, so there the table is rebuilt from its own definition with the new constraint, rows and
 * indexes kept.
 */
export const createFollowUps: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sync_follow_ups')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('incident_id', 'varchar(36)', (c) => c.notNull().references('sync_incidents.id').onDelete('cascade'))
      .addColumn('connection_id', 'varchar(36)', (c) => c.references('connections.id').onDelete('set null'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('assignee_email', 'text')
      .addColumn('status', 'varchar(20)', (c) => c.notNull())
      .addColumn('servicenow_table', 'varchar(80)')
      .addColumn('sys_id', 'varchar(32)')
      .addColumn('number', 'varchar(40)')
      .addColumn('servicenow_state', 'varchar(40)')
      .addColumn('last_applied_mod_count', 'integer', (c) => c.notNull().defaultTo(-1))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addCheckConstraint('sync_follow_ups_status_check', sql`status in ('outstanding', 'completed', 'not_doing')`)
      .execute();
    await db.schema.createIndex('sync_follow_ups_incident').on('sync_follow_ups').columns(['incident_id', 'created_at']).execute();
    await db.schema.createIndex('sync_follow_ups_record').on('sync_follow_ups').columns(['connection_id', 'sys_id']).unique().execute();
    await rebuildOutboundKindCheck(db, OLD_KINDS, NEW_KINDS);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`delete from sync_outbound_ops where kind = 'follow_up'`.execute(db);
    await rebuildOutboundKindCheck(db, NEW_KINDS, OLD_KINDS);
    await db.schema.dropTable('sync_follow_ups').execute();
  },
};

const OLD_KINDS = "kind in ('create', 'update', 'note')";
const NEW_KINDS = "kind in ('create', 'update', 'note', 'follow_up')";

/** Replaces sync_outbound_ops's CHECK on kind, keeping its rows and indexes. */
async function rebuildOutboundKindCheck(db: Kysely<unknown>, from: string, to: string): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table sync_outbound_ops drop constraint sync_outbound_ops_kind_check`.execute(db);
    await sql.raw(`alter table sync_outbound_ops add constraint sync_outbound_ops_kind_check check (${to})`).execute(db);
    return;
  }
  const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'sync_outbound_ops'`.execute(db);
  const definition = table.rows[0]?.sql;
  if (!definition || !definition.includes(from)) {
    throw new Error(`sync_outbound_ops does not have the expected CHECK (${from}); this database was changed outside the companion's migrations`);
  }
  const indexes = await sql<{ sql: string }>`select sql from sqlite_master where type = 'index' and tbl_name = 'sync_outbound_ops' and sql is not null`.execute(db);
  await sql`alter table sync_outbound_ops rename to sync_outbound_ops_before_0012`.execute(db);
  await sql.raw(definition.replace(from, to)).execute(db);
  await sql`insert into sync_outbound_ops select * from sync_outbound_ops_before_0012`.execute(db);
  await sql`drop table sync_outbound_ops_before_0012`.execute(db);
  for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
}
