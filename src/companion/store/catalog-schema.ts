/**
 * The catalog's tables, as kysely sees them (created by migration 0003-create-catalog). Kept apart
 * from schema.ts so the catalog and the rest of the store change independently; the catalog store
 * sees the same database as a `Kysely<CatalogDatabase>`.
 *
 * Every table is keyed by (connection_id, sys_id): one instance's records never mix with another's.
 * References to other records are kept as sys_ids (`*_sys_id`), never as display values, so a
 * renamed group does not leave stale names on the CIs it supports. `sys_updated_on` keeps
 * ServiceNow's own text (`YYYY-MM-DD HH:MM:SS`, UTC), which sorts correctly as text. Booleans are
 * 0/1 integers, as in the rest of the store.
 */

/** Columns every catalog table has. */
export interface CatalogRowColumns {
  /** connections.id; the rows go when the connection is deleted. */
  connection_id: string;
  sys_id: string;
  /** ServiceNow's `sys_updated_on` of the version stored. */
  sys_updated_on: string;
  /** ServiceNow's `sys_mod_count` of the version stored (null when the instance did not send it). */
  sys_mod_count: number | null;
  /**
   * When an import last read this row from ServiceNow (ISO 8601). A `--full` run marks every row not
   * seen since it started as deleted; a time rather than a run id, so a concurrent run's writes count.
   */
  seen_at: string;
  /** When this companion last wrote the row (ISO 8601). */
  stored_at: string;
  /** When a `--full` run found the record gone from ServiceNow (ISO 8601); null while it exists. */
  deleted_at: string | null;
}

export interface CatalogCisTable extends CatalogRowColumns {
  /** The CI's class, such as cmdb_ci_server (`sys_class_name`). */
  class_name: string;
  name: string;
  /** lower(name), for case-insensitive lookups with an index. */
  name_key: string;
  short_description: string;
  /** The choice value ("1" Operational, "2" Non-Operational, …), as stored on the instance. */
  operational_status: string;
  install_status: string;
  environment: string;
  support_group_sys_id: string | null;
  owned_by_sys_id: string | null;
  managed_by_sys_id: string | null;
  ip_address: string;
  fqdn: string;
}

export interface CatalogServicesTable extends CatalogRowColumns {
  class_name: string;
  name: string;
  name_key: string;
  short_description: string;
  operational_status: string;
  service_classification: string;
  /** ServiceNow's field is spelled `busines_criticality`. */
  business_criticality: string;
  used_for: string;
  support_group_sys_id: string | null;
  owned_by_sys_id: string | null;
}

export interface CatalogUsersTable extends CatalogRowColumns {
  user_name: string;
  user_name_key: string;
  name: string;
  first_name: string;
  last_name: string;
  email: string;
  /** lower(trim(email)); '' when the user has none. */
  email_key: string;
  active: number;
}

export interface CatalogGroupsTable extends CatalogRowColumns {
  name: string;
  name_key: string;
  description: string;
  email: string;
  manager_sys_id: string | null;
  active: number;
}

export interface CatalogGroupMembersTable extends CatalogRowColumns {
  user_sys_id: string | null;
  group_sys_id: string | null;
}

/** Where an incremental import of one table resumes. */
export interface CatalogCursorsTable {
  connection_id: string;
  /** The ServiceNow table (`cmdb_ci`, `sys_user`, …). */
  source_table: string;
  /** The newest `sys_updated_on` stored; the next run reads from it minus the overlap window. */
  updated_on: string | null;
  /** When a run last read this table to its end (ISO 8601). */
  last_completed_at: string | null;
  /** When a `--full` run last read it to its end (and marked what it did not see as deleted). */
  last_full_at: string | null;
}

/** Who imports a connection's catalog now (migration 0009); free once `until` has passed. */
export interface CatalogImportLeasesTable {
  connection_id: string;
  owner: string;
  host: string;
  pid: number;
  /** When this holder took the lease (ISO 8601). */
  since: string;
  /** When the lease ends unless renewed (ISO 8601). */
  until: string;
}

export interface CatalogDatabase {
  catalog_cis: CatalogCisTable;
  catalog_services: CatalogServicesTable;
  catalog_users: CatalogUsersTable;
  catalog_groups: CatalogGroupsTable;
  catalog_group_members: CatalogGroupMembersTable;
  catalog_cursors: CatalogCursorsTable;
  catalog_import_leases: CatalogImportLeasesTable;
}
