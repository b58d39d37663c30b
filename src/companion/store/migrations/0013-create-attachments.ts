import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * `sync_attachments`: the files attached to a synced incident in ServiceNow, as its timeline shows
 * them. `status` says what the companion did with each: `stored` (an image whose bytes are in
 * `data`), `too_large` (over the size limit: never read in full), `not_image` (the bytes are no
 * image the companion serves: listed with a link), `gone` (deleted before it was fetched).
 * (incident, attachment sys_id) is unique, so a file is fetched and listed once. `data` is a BLOB on
 * SQLite, bytea on PostgreSQL.
 */
export const createAttachments: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
    await db.schema
      .createTable('sync_attachments')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('incident_id', 'varchar(36)', (c) => c.notNull().references('sync_incidents.id').onDelete('cascade'))
      .addColumn('attachment_sys_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('declared_type', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text')
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('author', 'text')
      .addColumn('status', 'varchar(20)', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('link', 'text', (c) => c.notNull())
      .addColumn('data', sql.raw(bytes))
      .addColumn('occurred_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addCheckConstraint('sync_attachments_status_check', sql`status in ('stored', 'too_large', 'not_image', 'gone')`)
      .execute();
    await db.schema.createIndex('sync_attachments_file').on('sync_attachments').columns(['incident_id', 'attachment_sys_id']).unique().execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('sync_attachments').execute();
  },
};
