import { sql, type Kysely, type Migration } from 'kysely';

/** Connections to instances: one per instance, each with a unique name. */
export const createConnections: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('connections')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(63)', (c) => c.notNull())
      .addColumn('instance_url', 'varchar(300)', (c) => c.notNull())
      .addColumn('mode', 'varchar(16)', (c) => c.notNull())
      .addColumn('oauth_client_id', 'text', (c) => c.notNull())
      .addColumn('oauth_client_secret_sealed', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('password_sealed', 'text', (c) => c.notNull())
      .addColumn('public_url', 'text', (c) => c.notNull())
      .addColumn('signing_secret_sealed', 'text')
      .addColumn('previous_signing_secret_sealed', 'text')
      .addColumn('signing_secret_rotated_at', 'varchar(32)')
      .addColumn('integration_user', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('last_check_at', 'varchar(32)')
      .addColumn('last_check_status', 'varchar(16)')
      .addColumn('last_check_summary', 'text')
      .addUniqueConstraint('connections_name_unique', ['name'])
      .addUniqueConstraint('connections_instance_url_unique', ['instance_url'])
      .addCheckConstraint('connections_mode_check', sql`mode in ('realtime', 'polling')`)
      .addCheckConstraint('connections_last_check_status_check', sql`last_check_status in ('ok', 'attention')`)
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('connections').execute();
  },
};
