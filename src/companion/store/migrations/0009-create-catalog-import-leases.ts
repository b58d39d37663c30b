import { type Kysely, type Migration } from 'kysely';

/**
 * `catalog_import_leases`: which process imports a connection's catalog right now, so two replicas
 * (or two `import-catalog` runs) never read the same instance at once. The holder renews `until`
 * every second; a holder that dies stops renewing and its lease is free when `until` passes.
 */
export const createCatalogImportLeases: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('catalog_import_leases')
      .addColumn('connection_id', 'varchar(36)', (c) => c.primaryKey().references('connections.id').onDelete('cascade'))
      .addColumn('owner', 'varchar(64)', (c) => c.notNull())
      .addColumn('host', 'varchar(255)', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('since', 'varchar(32)', (c) => c.notNull())
      .addColumn('until', 'varchar(32)', (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('catalog_import_leases').execute();
  },
};
