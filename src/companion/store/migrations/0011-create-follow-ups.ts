import { sql, type Kysely, type Migration } from 'kysely';

/**
 * `sync_follow_ups`: an incident's follow-ups and the ServiceNow record each became (a record of the
 * mapping's follow-up table whose parent field is the incident's record). `sys_id` is null until the
 * create has been made; (connection, sys_id) is unique, so a record is one follow-up's.
 * `last_applied_mod_count` guards ServiceNow's changes (an older version is never applied).
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
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('sync_follow_ups').execute();
  },
};
