/**
 * The catalog: what `incident-sn import-catalog` copies from each connection's instance (CIs with
 * their class, services, users, groups and memberships), and the lookups the sync makes on it.
 * Part of the CompanionStore (`store.catalog`); every method takes the connection's id
 * (`Connection.id`), so several instances' catalogs live side by side.
 *
 * References between records are sys_ids. Rows a `--full` import no longer found on the instance
 * stay, marked with `deletedAt`: lookups by name or email leave them out, lookups by sys_id return
 * them (so a reference from an old incident still resolves, and the caller sees it is gone).
 */

/** The ServiceNow tables the catalog is imported from, in import order. */
export const CATALOG_SOURCE_TABLES = ['cmdb_ci', 'cmdb_ci_service', 'sys_user', 'sys_user_group', 'sys_user_grmember'] as const;
export type CatalogSourceTable = (typeof CATALOG_SOURCE_TABLES)[number];

/** The version of a record, as ServiceNow sent it. */
export interface CatalogRecordVersion {
  sysId: string;
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  sysUpdatedOn: string;
  sysModCount: number | null;
}

/** A configuration item of any class (services included: they are CIs too). */
export interface CatalogCi extends CatalogRecordVersion {
  /** `sys_class_name`, such as `cmdb_ci_server` or `cmdb_ci_app_server`. */
  className: string;
  name: string;
  shortDescription: string;
  /** The choice value as stored on the instance ("1" Operational, "2" Non-Operational, … "6" Retired). */
  operationalStatus: string;
  installStatus: string;
  environment: string;
  supportGroupSysId: string | null;
  ownedBySysId: string | null;
  managedBySysId: string | null;
  ipAddress: string;
  fqdn: string;
}

export interface CatalogService extends CatalogRecordVersion {
  className: string;
  name: string;
  shortDescription: string;
  operationalStatus: string;
  serviceClassification: string;
  /** ServiceNow's `busines_criticality` ("1 - most critical" …). */
  businessCriticality: string;
  usedFor: string;
  supportGroupSysId: string | null;
  ownedBySysId: string | null;
}

export interface CatalogUser extends CatalogRecordVersion {
  userName: string;
  name: string;
  firstName: string;
  lastName: string;
  email: string;
  active: boolean;
}

export interface CatalogGroup extends CatalogRecordVersion {
  name: string;
  description: string;
  email: string;
  managerSysId: string | null;
  active: boolean;
}

export interface CatalogGroupMember extends CatalogRecordVersion {
  userSysId: string | null;
  groupSysId: string | null;
}

/** The record type imported from each source table. */
export interface CatalogRecordOf {
  cmdb_ci: CatalogCi;
  cmdb_ci_service: CatalogService;
  sys_user: CatalogUser;
  sys_user_group: CatalogGroup;
  sys_user_grmember: CatalogGroupMember;
}

/** A row as stored: the record, when it was last written, and whether a full import found it gone. */
export type StoredCatalogRecord<R> = R & {
  storedAt: Date;
  /** Set by a `--full` import that no longer found the record; null while it exists. */
  deletedAt: Date | null;
};

/** One page of one table, as the import writes it. */
export type CatalogPage = { [T in CatalogSourceTable]: { table: T; records: readonly CatalogRecordOf[T][] } }[CatalogSourceTable];

export interface StoreCatalogPageInput {
  connectionId: string;
  page: CatalogPage;
  /** The import's clock: becomes `seen_at` of every row of the page (and `stored_at` of those written). */
  at: Date;
  /**
   * Record that every row of the page was seen, the unchanged ones included (a `--full` run needs
   * it to tell which rows are gone). Incremental runs leave unchanged rows untouched.
   */
  markSeen: boolean;
}

export interface StoredCatalogPage {
  inserted: number;
  updated: number;
  /** Same version as stored (or older): nothing written. */
  unchanged: number;
  /** The table's cursor after this page. */
  cursor: string | null;
}

/** Where one table's import stands for a connection. */
export interface CatalogTableState {
  table: CatalogSourceTable;
  /** The newest `sys_updated_on` stored: the next incremental run reads from it minus the overlap. */
  cursor: string | null;
  lastCompletedAt: Date | null;
  lastFullAt: Date | null;
  /** Rows stored and not marked deleted. */
  rows: number;
  deleted: number;
}

export interface CompleteCatalogTableInput {
  connectionId: string;
  table: CatalogSourceTable;
  /** When the run began: with `full`, rows not seen since then are marked deleted. */
  startedAt: Date;
  full: boolean;
  at: Date;
}

/** A process importing a connection's catalog. */
export interface CatalogImportHolder {
  /** Unique per run (a process may import twice). */
  owner: string;
  host: string;
  pid: number;
}

export type CatalogImportLeaseResult =
  | { taken: true }
  /** Another holder's lease runs: who, since when, and until when unless it renews. */
  | { taken: false; holder: CatalogImportHolder; since: Date; until: Date };

export interface CatalogStore {
  /**
   * Takes the connection's import lease until `until`: free, expired (its holder stopped renewing) or
   * already this owner's. Otherwise says who holds it. Safe when several replicas race for it.
   */
  takeImportLease(connectionId: string, holder: CatalogImportHolder, at: Date, until: Date): Promise<CatalogImportLeaseResult>;
  /** Extends this owner's lease to `until`; false when it is no longer this owner's (it expired and another took it). */
  renewImportLease(connectionId: string, owner: string, until: Date): Promise<boolean>;
  /** Gives the lease back (nothing when it is not this owner's). */
  releaseImportLease(connectionId: string, owner: string): Promise<void>;

  /**
   * Upserts one page by (connection, sys_id) and advances the table's cursor to the newest
   * `sys_updated_on` of the page, all in one transaction: a page is either stored with its cursor
   * or not at all. A record whose version (sys_mod_count, sys_updated_on) is already stored is
   * not written again, and an older version never replaces a newer one.
   */
  storePage(input: StoreCatalogPageInput): Promise<StoredCatalogPage>;

  /**
   * Several pages as storePage would store them one after the other (each page's versions decided
   * against what the pages before it wrote), in one transaction: all of them with their cursors, or
   * none. One commit instead of one per page; the write lock is held while they are written.
   *
   * With `more`, once `inputs` are written the transaction asks it for further pages and writes
   * each in the same transaction, until it gives null; then it commits. The transaction (and on
   * SQLite the write lock) stays open while `more` runs: it must keep that short and bounded (the
   * importer waits at most a few milliseconds per page, within a total bound). If `more` throws,
   * nothing of this call is stored.
   */
  storePages(inputs: readonly StoreCatalogPageInput[], more?: () => Promise<StoreCatalogPageInput | null>): Promise<StoredCatalogPage[]>;

  /** The table's cursor, or null before its first import. */
  getCursor(connectionId: string, table: CatalogSourceTable): Promise<string | null>;

  /**
   * Records that a run read the table to its end. With `full`, first marks every row of the table
   * not seen since `startedAt` as deleted (now `at`), and returns how many.
   */
  completeTable(input: CompleteCatalogTableInput): Promise<{ deleted: number }>;

  /** Every source table's cursor, completion times and row counts for the connection. */
  tableStates(connectionId: string): Promise<CatalogTableState[]>;

  // Lookups for the sync. By sys_id: deleted rows included. By name or email: existing rows only,
  // case-insensitive; when several match, active ones first, then the most recently updated.

  getCi(connectionId: string, sysId: string): Promise<StoredCatalogRecord<CatalogCi> | undefined>;
  /** CIs of any class with this name (ServiceNow does not make CI names unique). */
  findCisByName(connectionId: string, name: string): Promise<StoredCatalogRecord<CatalogCi>[]>;
  getService(connectionId: string, sysId: string): Promise<StoredCatalogRecord<CatalogService> | undefined>;
  findServiceByName(connectionId: string, name: string): Promise<StoredCatalogRecord<CatalogService> | undefined>;
  getUser(connectionId: string, sysId: string): Promise<StoredCatalogRecord<CatalogUser> | undefined>;
  /** The user with this email (active users first): how an incident.io lead becomes `assigned_to`. */
  findUserByEmail(connectionId: string, email: string): Promise<StoredCatalogRecord<CatalogUser> | undefined>;
  findUserByUserName(connectionId: string, userName: string): Promise<StoredCatalogRecord<CatalogUser> | undefined>;
  getGroup(connectionId: string, sysId: string): Promise<StoredCatalogRecord<CatalogGroup> | undefined>;
  findGroupByName(connectionId: string, name: string): Promise<StoredCatalogRecord<CatalogGroup> | undefined>;
  /** The (existing) groups a user is a member of, by name. */
  groupsOfUser(connectionId: string, userSysId: string): Promise<StoredCatalogRecord<CatalogGroup>[]>;
  /** The (existing) members of a group, by name. */
  membersOfGroup(connectionId: string, groupSysId: string): Promise<StoredCatalogRecord<CatalogUser>[]>;
}
