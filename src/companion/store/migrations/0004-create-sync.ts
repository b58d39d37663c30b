import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The sync (see sync-schema.ts): incidents and their timelines, links to ServiceNow records,
 * received events, the outbound queue, polling cursors, and counters.
 */
export const createSync: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sync_counters')
      .addColumn('name', 'varchar(40)', (c) => c.primaryKey())
      .addColumn('value', 'integer', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('sync_incidents')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('reference_number', 'integer', (c) => c.notNull())
      .addColumn('connection_id', 'varchar(36)', (c) => c.references('connections.id').onDelete('set null'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(20)', (c) => c.notNull())
      .addColumn('severity', 'varchar(20)', (c) => c.notNull())
      .addColumn('lead_email', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addUniqueConstraint('sync_incidents_reference_unique', ['reference_number'])
      .addCheckConstraint(
        'sync_incidents_status_check',
        sql`status in ('triage', 'investigating', 'fixing', 'monitoring', 'resolved', 'closed', 'declined')`,
      )
      .addCheckConstraint('sync_incidents_severity_check', sql`severity in ('critical', 'major', 'minor')`)
      .execute();

    await db.schema
      .createTable('sync_timeline_updates')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('incident_id', 'varchar(36)', (c) => c.notNull().references('sync_incidents.id').onDelete('cascade'))
      .addColumn('source', 'varchar(20)', (c) => c.notNull())
      .addColumn('kind', 'varchar(20)', (c) => c.notNull())
      .addColumn('author', 'text')
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('journal_sys_id', 'varchar(32)')
      .addColumn('occurred_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addUniqueConstraint('sync_timeline_updates_journal_unique', ['incident_id', 'journal_sys_id'])
      .execute();
    await db.schema.createIndex('sync_timeline_updates_incident_idx').on('sync_timeline_updates').columns(['incident_id', 'occurred_at']).execute();

    await db.schema
      .createTable('sync_links')
      .addColumn('incident_id', 'varchar(36)', (c) => c.primaryKey().references('sync_incidents.id').onDelete('cascade'))
      .addColumn('connection_id', 'varchar(36)', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('sys_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('number', 'varchar(40)', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('last_applied_mod_count', 'integer', (c) => c.notNull())
      .addColumn('last_written_mod_count', 'integer', (c) => c.notNull())
      .addColumn('snapshot', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('deleted_at', 'varchar(32)')
      .addUniqueConstraint('sync_links_record_unique', ['connection_id', 'sys_id'])
      .addCheckConstraint('sync_links_state_check', sql`state in ('active', 'deleted')`)
      .execute();

    await db.schema
      .createTable('sync_inbound_events')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('connection_id', 'varchar(36)', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('event_id', 'varchar(120)', (c) => c.notNull())
      .addColumn('source', 'varchar(8)', (c) => c.notNull())
      .addColumn('event_type', 'varchar(40)', (c) => c.notNull())
      .addColumn('incident_sys_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('sequence', 'integer', (c) => c.notNull())
      .addColumn('order_key', 'varchar(80)', (c) => c.notNull())
      .addColumn('occurred_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('received_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('outcome', 'varchar(40)')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('lease_owner', 'varchar(64)')
      .addColumn('lease_expires_at', 'varchar(32)')
      .addColumn('last_error', 'text')
      .addColumn('processed_at', 'varchar(32)')
      .addUniqueConstraint('sync_inbound_events_event_unique', ['connection_id', 'event_id'])
      .addCheckConstraint('sync_inbound_events_state_check', sql`state in ('pending', 'processing', 'done', 'failed')`)
      .execute();
    await db.schema.createIndex('sync_inbound_events_due_idx').on('sync_inbound_events').columns(['state', 'next_attempt_at']).execute();
    await db.schema
      .createIndex('sync_inbound_events_lane_idx')
      .on('sync_inbound_events')
      .columns(['connection_id', 'incident_sys_id', 'state', 'order_key'])
      .execute();

    await db.schema
      .createTable('sync_outbound_ops')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('incident_id', 'varchar(36)', (c) => c.notNull().references('sync_incidents.id').onDelete('cascade'))
      .addColumn('connection_id', 'varchar(36)', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('ambiguous', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('lease_owner', 'varchar(64)')
      .addColumn('lease_expires_at', 'varchar(32)')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('result_mod_count', 'integer')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('completed_at', 'varchar(32)')
      .addUniqueConstraint('sync_outbound_ops_seq_unique', ['seq'])
      .addCheckConstraint('sync_outbound_ops_kind_check', sql`kind in ('create', 'update', 'note')`)
      .addCheckConstraint('sync_outbound_ops_state_check', sql`state in ('pending', 'sending', 'done', 'dead', 'canceled')`)
      .execute();
    await db.schema.createIndex('sync_outbound_ops_due_idx').on('sync_outbound_ops').columns(['state', 'next_attempt_at']).execute();
    await db.schema.createIndex('sync_outbound_ops_incident_idx').on('sync_outbound_ops').columns(['incident_id', 'seq']).execute();

    await db.schema
      .createTable('sync_poll_cursors')
      .addColumn('connection_id', 'varchar(36)', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('source', 'varchar(16)', (c) => c.notNull())
      .addColumn('cursor', 'varchar(19)')
      .addColumn('lease_owner', 'varchar(64)')
      .addColumn('lease_expires_at', 'varchar(32)')
      .addColumn('last_run_at', 'varchar(32)')
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_poll_cursors_pk', ['connection_id', 'source'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      'sync_poll_cursors',
      'sync_outbound_ops',
      'sync_inbound_events',
      'sync_links',
      'sync_timeline_updates',
      'sync_incidents',
      'sync_counters',
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
