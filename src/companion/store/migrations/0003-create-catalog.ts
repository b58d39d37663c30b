import type { CreateTableBuilder, Kysely, Migration } from 'kysely';

/**
 * The catalog imported from each connection's instance (incident-sn import-catalog): CIs, services,
 * users, groups, group memberships, and a cursor per (connection, table). See catalog-schema.ts.
 */

const CATALOG_TABLES = ['catalog_cis', 'catalog_services', 'catalog_users', 'catalog_groups', 'catalog_group_members'] as const;

/** The columns every catalog table starts with, its key, and the cascade from its connection. */
function withRowColumns<T extends string>(table: CreateTableBuilder<T, string>): CreateTableBuilder<T, string> {
  return table
    .addColumn('connection_id', 'varchar(36)', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('sys_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('sys_updated_on', 'varchar(19)', (c) => c.notNull())
    .addColumn('sys_mod_count', 'integer')
    .addColumn('seen_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('stored_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('deleted_at', 'varchar(32)');
}

function primaryKey<T extends string>(name: string, table: CreateTableBuilder<T, string>): CreateTableBuilder<T, string> {
  return table.addPrimaryKeyConstraint(`${name}_pk`, ['connection_id', 'sys_id'] as never);
}

export const createCatalog: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await primaryKey(
      'catalog_cis',
      withRowColumns(db.schema.createTable('catalog_cis'))
        .addColumn('class_name', 'varchar(80)', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('short_description', 'text', (c) => c.notNull())
        .addColumn('operational_status', 'varchar(40)', (c) => c.notNull())
        .addColumn('install_status', 'varchar(40)', (c) => c.notNull())
        .addColumn('environment', 'varchar(40)', (c) => c.notNull())
        .addColumn('support_group_sys_id', 'varchar(32)')
        .addColumn('owned_by_sys_id', 'varchar(32)')
        .addColumn('managed_by_sys_id', 'varchar(32)')
        .addColumn('ip_address', 'text', (c) => c.notNull())
        .addColumn('fqdn', 'text', (c) => c.notNull()),
    ).execute();

    await primaryKey(
      'catalog_services',
      withRowColumns(db.schema.createTable('catalog_services'))
        .addColumn('class_name', 'varchar(80)', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('short_description', 'text', (c) => c.notNull())
        .addColumn('operational_status', 'varchar(40)', (c) => c.notNull())
        .addColumn('service_classification', 'varchar(80)', (c) => c.notNull())
        .addColumn('business_criticality', 'varchar(80)', (c) => c.notNull())
        .addColumn('used_for', 'varchar(80)', (c) => c.notNull())
        .addColumn('support_group_sys_id', 'varchar(32)')
        .addColumn('owned_by_sys_id', 'varchar(32)'),
    ).execute();

    await primaryKey(
      'catalog_users',
      withRowColumns(db.schema.createTable('catalog_users'))
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('user_name_key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('first_name', 'text', (c) => c.notNull())
        .addColumn('last_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_key', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull()),
    ).execute();

    await primaryKey(
      'catalog_groups',
      withRowColumns(db.schema.createTable('catalog_groups'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('manager_sys_id', 'varchar(32)')
        .addColumn('active', 'integer', (c) => c.notNull()),
    ).execute();

    await primaryKey(
      'catalog_group_members',
      withRowColumns(db.schema.createTable('catalog_group_members'))
        .addColumn('user_sys_id', 'varchar(32)')
        .addColumn('group_sys_id', 'varchar(32)'),
    ).execute();

    await db.schema
      .createTable('catalog_cursors')
      .addColumn('connection_id', 'varchar(36)', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('source_table', 'varchar(80)', (c) => c.notNull())
      .addColumn('updated_on', 'varchar(19)')
      .addColumn('last_completed_at', 'varchar(32)')
      .addColumn('last_full_at', 'varchar(32)')
      .addPrimaryKeyConstraint('catalog_cursors_pk', ['connection_id', 'source_table'])
      .execute();

    // The lookups the sync makes (user by email, CI or group by name, a user's groups).
    const indexes: Array<[string, string, string[]]> = [
      ['catalog_cis_name_idx', 'catalog_cis', ['connection_id', 'name_key']],
      ['catalog_services_name_idx', 'catalog_services', ['connection_id', 'name_key']],
      ['catalog_users_email_idx', 'catalog_users', ['connection_id', 'email_key']],
      ['catalog_users_user_name_idx', 'catalog_users', ['connection_id', 'user_name_key']],
      ['catalog_groups_name_idx', 'catalog_groups', ['connection_id', 'name_key']],
      ['catalog_group_members_user_idx', 'catalog_group_members', ['connection_id', 'user_sys_id']],
      ['catalog_group_members_group_idx', 'catalog_group_members', ['connection_id', 'group_sys_id']],
    ];
    for (const [name, table, columns] of indexes) {
      await db.schema.createIndex(name).on(table).columns(columns).execute();
    }
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('catalog_cursors').execute();
    for (const table of [...CATALOG_TABLES].reverse()) await db.schema.dropTable(table).execute();
  },
};
