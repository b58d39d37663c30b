import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Sync core v2 (docs/sync.md, "Storage"):
 *
 * - Claims read open work only. The queue tables keep finished rows (inbound events 14 days for
 *   deduplication, outbound writes for good), so every index a claim uses is partial over the open
 *   states. The index predicates are literal text: SQLite uses a partial index only when the query
 *   repeats the same literal term (a bound parameter does not count), and the claims do.
 * - `sync_owners`: every companion process registers and heartbeats; its leases are renewed with
 *   each heartbeat, so they can be short (a dead owner's work is free within seconds).
 * - `sync_connection_pauses`: a rate-limited connection's pause, kept across restarts, with the time
 *   of the next single probe.
 * - `sync_links.field_versions`: per ServiceNow field, the version and time of the last change made
 *   to it by someone else: what a queued write is re-decided against before it is sent.
 */

const OPEN_INBOUND = sql<boolean>`state in ('pending', 'processing')`;
const OPEN_OUTBOUND = sql<boolean>`state in ('pending', 'sending')`;

export const syncCoreV2: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('sync_inbound_events_due_idx').execute();
    await db.schema.dropIndex('sync_inbound_events_lane_idx').execute();
    await db.schema.createIndex('sync_inbound_events_open_due_idx').on('sync_inbound_events').column('next_attempt_at').where(OPEN_INBOUND).execute();
    await db.schema
      .createIndex('sync_inbound_events_open_lane_idx')
      .on('sync_inbound_events')
      .columns(['connection_id', 'incident_sys_id', 'order_key'])
      .where(OPEN_INBOUND)
      .execute();
    await db.schema.createIndex('sync_inbound_events_owner_idx').on('sync_inbound_events').column('lease_owner').where(OPEN_INBOUND).execute();
    // Counting by state (/metrics) and purging reads finished rows on purpose; they get their own indexes.
    await db.schema.createIndex('sync_inbound_events_state_idx').on('sync_inbound_events').column('state').execute();
    await db.schema.createIndex('sync_inbound_events_done_idx').on('sync_inbound_events').column('processed_at').where(sql<boolean>`state = 'done'`).execute();

    await db.schema.dropIndex('sync_outbound_ops_due_idx').execute();
    await db.schema.createIndex('sync_outbound_ops_open_due_idx').on('sync_outbound_ops').column('next_attempt_at').where(OPEN_OUTBOUND).execute();
    await db.schema.createIndex('sync_outbound_ops_open_lane_idx').on('sync_outbound_ops').columns(['incident_id', 'seq']).where(OPEN_OUTBOUND).execute();
    await db.schema.createIndex('sync_outbound_ops_owner_idx').on('sync_outbound_ops').column('lease_owner').where(OPEN_OUTBOUND).execute();
    await db.schema.createIndex('sync_outbound_ops_state_idx').on('sync_outbound_ops').column('state').execute();

    await db.schema
      .createTable('sync_owners')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('host', 'varchar(255)', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('heartbeat_at', 'varchar(32)', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('sync_connection_pauses')
      .addColumn('connection_id', 'varchar(36)', (c) => c.primaryKey().references('connections.id').onDelete('cascade'))
      .addColumn('since', 'varchar(32)', (c) => c.notNull())
      .addColumn('until', 'varchar(32)', (c) => c.notNull())
      .addColumn('next_probe_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('retry_after_seconds', 'integer')
      .addColumn('hits', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();

    await db.schema.alterTable('sync_links').addColumn('field_versions', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sync_links').dropColumn('field_versions').execute();
    await db.schema.dropTable('sync_connection_pauses').execute();
    await db.schema.dropTable('sync_owners').execute();
    for (const index of [
      'sync_outbound_ops_state_idx',
      'sync_outbound_ops_owner_idx',
      'sync_outbound_ops_open_lane_idx',
      'sync_outbound_ops_open_due_idx',
      'sync_inbound_events_done_idx',
      'sync_inbound_events_state_idx',
      'sync_inbound_events_owner_idx',
      'sync_inbound_events_open_lane_idx',
      'sync_inbound_events_open_due_idx',
    ]) {
      await db.schema.dropIndex(index).execute();
    }
    await db.schema.createIndex('sync_outbound_ops_due_idx').on('sync_outbound_ops').columns(['state', 'next_attempt_at']).execute();
    await db.schema.createIndex('sync_inbound_events_due_idx').on('sync_inbound_events').columns(['state', 'next_attempt_at']).execute();
    await db.schema
      .createIndex('sync_inbound_events_lane_idx')
      .on('sync_inbound_events')
      .columns(['connection_id', 'incident_sys_id', 'state', 'order_key'])
      .execute();
  },
};
