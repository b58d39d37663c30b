import { type Kysely, type Migration } from 'kysely';

/**
 * Facts about the database itself, by name. `secret_key_id`: the id (never the key) of the key that
 * seals this database's secrets, so a replica started with another key refuses before writing.
 */
export const createStoreSettings: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('store_settings')
      .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('store_settings').execute();
  },
};
