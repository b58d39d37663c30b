// Why one file of over 500 lines: about a fifth of it is the five declarative table mappings (CI,
// service, user, group, membership), which exist only for this store's chunked upserts and paging
// queries below; the store and the mappings it reads change together.

import type Database from 'better-sqlite3';
import { sql, type CompiledQuery, type Kysely, type Selectable, type Transaction } from 'kysely';
import { IncidentSnError } from '../../shared/errors';
import type {
  CatalogCi,
  CatalogGroup,
  CatalogGroupMember,
  CatalogImportHolder,
  CatalogImportLeaseResult,
  CatalogRecordOf,
  CatalogRecordVersion,
  CatalogService,
  CatalogSourceTable,
  CatalogStore,
  CatalogTableState,
  CatalogUser,
  CompleteCatalogTableInput,
  StoreCatalogPageInput,
  StoredCatalogPage,
  StoredCatalogRecord,
} from './catalog-store';
import { CATALOG_SOURCE_TABLES } from './catalog-store';
import type {
  CatalogCisTable,
  CatalogDatabase,
  CatalogGroupMembersTable,
  CatalogGroupsTable,
  CatalogRowColumns,
  CatalogServicesTable,
  CatalogUsersTable,
} from './catalog-schema';
import { decideVersion } from './catalog-versions';
import type { CompanionDatabase } from './schema';

/**
 * CatalogStore over kysely, with portable queries only (SQLite today, PostgreSQL later). A page is
 * written with a handful of statements whatever its size: one read of the stored versions, chunked
 * multi-row upserts, one cursor update. On SQLite, where a statement is a function call rather than
 * a round trip, rows are written one prepared statement each instead (see useSqliteConnection).
 */

type RowTable = Exclude<keyof CatalogDatabase, 'catalog_cursors' | 'catalog_import_leases'>;
type DataColumns<Row> = Omit<Row, keyof CatalogRowColumns>;

/** How one source table's records become rows of its catalog table, and back. */
interface Mapping<T extends CatalogSourceTable, Row extends CatalogRowColumns> {
  table: RowTable;
  toColumns(record: CatalogRecordOf[T]): DataColumns<Row>;
  fromRow(row: Selectable<Row>): StoredCatalogRecord<CatalogRecordOf[T]>;
}

// Rows (or ids) per statement: the largest of a fixed set of sizes, a power of two, well under
// SQLite's 32766 and PostgreSQL's 65535 bound parameters. See statementSizes.
const LARGEST_STATEMENT = 256;

/**
 * How `count` rows are split into statements: as many of the largest size as fit, then the rest as
 * a sum of smaller powers of two (500 = 256 + 128 + 64 + 32 + 16 + 4). So whatever sizes the pages
 * come in (an incremental run writes only the changed rows of each page), a table's statements have
 * at most nine shapes: each is built and compiled once, and SQLite prepares and keeps at most nine
 * statements per table and kind, instead of one new (and large) statement per distinct size.
 */
export function statementSizes(count: number): number[] {
  const sizes: number[] = [];
  let left = count;
  while (left >= LARGEST_STATEMENT) {
    sizes.push(LARGEST_STATEMENT);
    left -= LARGEST_STATEMENT;
  }
  for (let size = LARGEST_STATEMENT / 2; size >= 1; size /= 2) {
    if (left >= size) {
      sizes.push(size);
      left -= size;
    }
  }
  return sizes;
}

const SLOT = '\u0000catalog-slot\u0000';

/** A statement built once for one shape: its SQL, and for each of its parameters the argument it takes. */
interface CompiledShape {
  sql: string;
  query: CompiledQuery['query'];
  /** Parameter k of the statement is argument slots[k]. */
  slots: number[];
}

function lookupKey(text: string): string {
  return text.trim().toLowerCase();
}

function versionOf(row: Selectable<CatalogRowColumns>): CatalogRecordVersion {
  return { sysId: row.sys_id, sysUpdatedOn: row.sys_updated_on, sysModCount: row.sys_mod_count };
}

function storedOf(row: Selectable<CatalogRowColumns>): { storedAt: Date; deletedAt: Date | null } {
  return { storedAt: new Date(row.stored_at), deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at) };
}

const CI_MAPPING: Mapping<'cmdb_ci', CatalogCisTable> = {
  table: 'catalog_cis',
  toColumns: (r: CatalogCi) => ({
    class_name: r.className,
    name: r.name,
    name_key: lookupKey(r.name),
    short_description: r.shortDescription,
    operational_status: r.operationalStatus,
    install_status: r.installStatus,
    environment: r.environment,
    support_group_sys_id: r.supportGroupSysId,
    owned_by_sys_id: r.ownedBySysId,
    managed_by_sys_id: r.managedBySysId,
    ip_address: r.ipAddress,
    fqdn: r.fqdn,
  }),
  fromRow: (row) => ({
    ...versionOf(row),
    className: row.class_name,
    name: row.name,
    shortDescription: row.short_description,
    operationalStatus: row.operational_status,
    installStatus: row.install_status,
    environment: row.environment,
    supportGroupSysId: row.support_group_sys_id,
    ownedBySysId: row.owned_by_sys_id,
    managedBySysId: row.managed_by_sys_id,
    ipAddress: row.ip_address,
    fqdn: row.fqdn,
    ...storedOf(row),
  }),
};

const SERVICE_MAPPING: Mapping<'cmdb_ci_service', CatalogServicesTable> = {
  table: 'catalog_services',
  toColumns: (r: CatalogService) => ({
    class_name: r.className,
    name: r.name,
    name_key: lookupKey(r.name),
    short_description: r.shortDescription,
    operational_status: r.operationalStatus,
    service_classification: r.serviceClassification,
    business_criticality: r.businessCriticality,
    used_for: r.usedFor,
    support_group_sys_id: r.supportGroupSysId,
    owned_by_sys_id: r.ownedBySysId,
  }),
  fromRow: (row) => ({
    ...versionOf(row),
    className: row.class_name,
    name: row.name,
    shortDescription: row.short_description,
    operationalStatus: row.operational_status,
    serviceClassification: row.service_classification,
    businessCriticality: row.business_criticality,
    usedFor: row.used_for,
    supportGroupSysId: row.support_group_sys_id,
    ownedBySysId: row.owned_by_sys_id,
    ...storedOf(row),
  }),
};

const USER_MAPPING: Mapping<'sys_user', CatalogUsersTable> = {
  table: 'catalog_users',
  toColumns: (r: CatalogUser) => ({
    user_name: r.userName,
    user_name_key: lookupKey(r.userName),
    name: r.name,
    first_name: r.firstName,
    last_name: r.lastName,
    email: r.email,
    email_key: lookupKey(r.email),
    active: r.active ? 1 : 0,
  }),
  fromRow: (row) => ({
    ...versionOf(row),
    userName: row.user_name,
    name: row.name,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    active: row.active === 1,
    ...storedOf(row),
  }),
};

const GROUP_MAPPING: Mapping<'sys_user_group', CatalogGroupsTable> = {
  table: 'catalog_groups',
  toColumns: (r: CatalogGroup) => ({
    name: r.name,
    name_key: lookupKey(r.name),
    description: r.description,
    email: r.email,
    manager_sys_id: r.managerSysId,
    active: r.active ? 1 : 0,
  }),
  fromRow: (row) => ({
    ...versionOf(row),
    name: row.name,
    description: row.description,
    email: row.email,
    managerSysId: row.manager_sys_id,
    active: row.active === 1,
    ...storedOf(row),
  }),
};

const MEMBER_MAPPING: Mapping<'sys_user_grmember', CatalogGroupMembersTable> = {
  table: 'catalog_group_members',
  toColumns: (r: CatalogGroupMember) => ({ user_sys_id: r.userSysId, group_sys_id: r.groupSysId }),
  fromRow: (row) => ({ ...versionOf(row), userSysId: row.user_sys_id, groupSysId: row.group_sys_id, ...storedOf(row) }),
};

type AnyMapping = Mapping<CatalogSourceTable, CatalogRowColumns>;

const MAPPINGS: Readonly<Record<CatalogSourceTable, AnyMapping>> = {
  cmdb_ci: CI_MAPPING as unknown as AnyMapping,
  cmdb_ci_service: SERVICE_MAPPING as unknown as AnyMapping,
  sys_user: USER_MAPPING as unknown as AnyMapping,
  sys_user_group: GROUP_MAPPING as unknown as AnyMapping,
  sys_user_grmember: MEMBER_MAPPING as unknown as AnyMapping,
};

/** The same database seen without table types, for the statements shared by every catalog table. */
type UntypedDatabase = Record<string, Record<string, unknown>>;

function maxText(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}

interface StoredVersionRow {
  sys_id: string;
  sys_updated_on: string;
  sys_mod_count: number | null;
  deleted_at: string | null;
}

export class KyselyCatalogStore implements CatalogStore {
  /** Page statements compiled once per shape (kind, table, size): at most 3 × 5 × 9 of them (2 × 5 × 9 + 5 with useSqliteConnection). */
  private readonly shapes = new Map<string, CompiledShape>();
  /** Each catalog table's columns in the order its upserts bind them. */
  private readonly columnsOf = new Map<RowTable, readonly string[]>();
  /** The SQLite connection under `db`, when it runs on this thread: see useSqliteConnection. */
  private sqlite?: Database.Database;
  /** Single-row upserts prepared on that connection, by table. */
  private readonly rowUpserts = new Map<RowTable, Database.Statement>();
  /** Single-row inserts of rows not stored yet (nothing on a conflict), prepared on that connection, by table. */
  private readonly rowInserts = new Map<RowTable, Database.Statement>();

  constructor(private readonly db: Kysely<CompanionDatabase>) {}

  /**
   * Lets storePage write rows with one prepared single-row upsert each, on the better-sqlite3
   * connection that `db` runs on (so inside the same transaction), instead of multi-row upserts
   * through kysely. SQLite runs a multi-row upsert with a statement journal (each page it changes
   * copied first, so the statement alone can be undone); a single-row one needs none, and measured
   * about a third less CPU per page (500 CIs) than the chunked statements. Per row through kysely,
   * its per-query cost would eat that; PostgreSQL (a round trip per statement) keeps the chunks.
   * Rows newer than the table's cursor are then inserted before any version is read (writePage).
   */
  useSqliteConnection(sqlite: Database.Database): void {
    this.sqlite = sqlite;
    this.rowUpserts.clear();
    this.rowInserts.clear();
  }

  /** How many page statements are compiled and kept (bounded whatever the pages' sizes). */
  get compiledShapeCount(): number {
    return this.shapes.size + this.rowUpserts.size + this.rowInserts.size;
  }

  async takeImportLease(connectionId: string, holder: CatalogImportHolder, at: Date, until: Date): Promise<CatalogImportLeaseResult> {
    const row = { owner: holder.owner, host: holder.host, pid: holder.pid, since: at.toISOString(), until: until.toISOString() };
    // No transaction: each statement is atomic on both databases, and of two replicas racing, only
    // one insert or one conditional update can succeed.
    const inserted = await this.db
      .insertInto('catalog_import_leases')
      .values({ connection_id: connectionId, ...row })
      .onConflict((oc) => oc.column('connection_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { taken: true };
    const updated = await this.db
      .updateTable('catalog_import_leases')
      .set(row)
      .where('connection_id', '=', connectionId)
      .where((eb) => eb.or([eb('owner', '=', holder.owner), eb('until', '<', row.since)]))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1) return { taken: true };
    const current = await this.db.selectFrom('catalog_import_leases').selectAll().where('connection_id', '=', connectionId).executeTakeFirst();
    // Released between the two statements: free again.
    if (!current) return this.takeImportLease(connectionId, holder, at, until);
    return { taken: false, holder: { owner: current.owner, host: current.host, pid: current.pid }, since: new Date(current.since), until: new Date(current.until) };
  }

  async renewImportLease(connectionId: string, owner: string, until: Date): Promise<boolean> {
    const updated = await this.db
      .updateTable('catalog_import_leases')
      .set({ until: until.toISOString() })
      .where('connection_id', '=', connectionId)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async releaseImportLease(connectionId: string, owner: string): Promise<void> {
    await this.db.deleteFrom('catalog_import_leases').where('connection_id', '=', connectionId).where('owner', '=', owner).execute();
  }

  async storePage(input: StoreCatalogPageInput): Promise<StoredCatalogPage> {
    const [stored] = await this.storePages([input]);
    return stored!;
  }

  async storePages(inputs: readonly StoreCatalogPageInput[], more?: () => Promise<StoreCatalogPageInput | null>): Promise<StoredCatalogPage[]> {
    if (inputs.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const stored: StoredCatalogPage[] = [];
      for (const input of inputs) stored.push(await this.writePage(trx, input));
      if (more) {
        for (let input = await more(); input !== null; input = await more()) stored.push(await this.writePage(trx, input));
      }
      return stored;
    });
  }

  /** One page and its table's cursor, inside the caller's transaction. */
  private async writePage(trx: Transaction<CompanionDatabase>, input: StoreCatalogPageInput): Promise<StoredCatalogPage> {
    const { connectionId, page } = input;
    const mapping = MAPPINGS[page.table];
    const at = input.at.toISOString();
    const records = page.records as readonly CatalogRecordVersion[];
    // A write first, so SQLite takes the write lock now rather than failing to upgrade a read later;
    // on PostgreSQL the (no-op) update locks the table's cursor row, so two imports of one table
    // (two replicas' import-catalog) store their pages one after the other, never interleaved.
    await trx
      .insertInto('catalog_cursors')
      .values({ connection_id: connectionId, source_table: page.table, updated_on: null, last_completed_at: null, last_full_at: null })
      .onConflict((oc) => oc.columns(['connection_id', 'source_table']).doUpdateSet({ source_table: page.table }))
      .execute();

    const cursorRow = await trx
      .selectFrom('catalog_cursors')
      .select('updated_on')
      .where('connection_id', '=', connectionId)
      .where('source_table', '=', page.table)
      .executeTakeFirstOrThrow();
    const rowOf = (record: CatalogRecordVersion): Record<string, unknown> => ({
      connection_id: connectionId,
      sys_id: record.sysId,
      sys_updated_on: record.sysUpdatedOn,
      sys_mod_count: record.sysModCount,
      seen_at: at,
      stored_at: at,
      deleted_at: null,
      ...(mapping.toColumns(record as never) as Record<string, unknown>),
    });
    let inserted = 0;
    let updated = 0;
    let unchanged = 0;
    let newest: string | null = null;
    // A page cannot hold one sys_id twice, but if an instance sent it, the last version wins.
    const latest = new Map<string, CatalogRecordVersion>();
    for (const record of records) latest.set(record.sysId, record);
    // Rows newer than the cursor were not stored in this version: they are new (all of them on a
    // first import) or updated. On SQLite they are inserted first, one prepared insert each that
    // does nothing on a conflict; only those already stored have their version read. That spares
    // a first import the read of every page's versions. Rows at or before the cursor (an overlap
    // window, a --full re-read) are mostly stored already: their versions are read first.
    const newer: CatalogRecordVersion[] = [];
    let undecided: CatalogRecordVersion[] = [];
    for (const record of latest.values()) {
      newest = maxText(newest, record.sysUpdatedOn === '' ? null : record.sysUpdatedOn);
      if (this.sqlite && (cursorRow.updated_on === null || record.sysUpdatedOn > cursorRow.updated_on)) newer.push(record);
      else undecided.push(record);
    }
    if (newer.length > 0) {
      const conflicts = this.insertNew(mapping.table, sortedBySysId(newer.map(rowOf)));
      inserted += newer.length - conflicts.size;
      if (conflicts.size > 0) undecided = undecided.concat(newer.filter((r) => conflicts.has(r.sysId)));
    }

    const stored = await this.storedVersions(trx, mapping.table, connectionId, undecided.map((r) => r.sysId));
    const writes: Record<string, unknown>[] = [];
    const seenOnly: string[] = [];
    for (const record of undecided) {
      const current = stored.get(record.sysId);
      const decision = decideVersion(
        record,
        current && { sysUpdatedOn: current.sys_updated_on, sysModCount: current.sys_mod_count, deleted: current.deleted_at !== null },
      );
      if (decision === 'unchanged') {
        unchanged += 1;
        if (input.markSeen) seenOnly.push(record.sysId);
        continue;
      }
      if (decision === 'insert') inserted += 1;
      else updated += 1;
      writes.push(rowOf(record));
    }

    await this.upsert(trx, mapping.table, sortedBySysId(writes));
    await this.markSeen(trx, mapping.table, connectionId, seenOnly, at);

    const cursor = maxText(cursorRow.updated_on, newest);
    if (cursor !== cursorRow.updated_on) {
      await trx
        .updateTable('catalog_cursors')
        .set({ updated_on: cursor })
        .where('connection_id', '=', connectionId)
        .where('source_table', '=', page.table)
        .execute();
    }
    return { inserted, updated, unchanged, cursor };
  }

  async getCursor(connectionId: string, table: CatalogSourceTable): Promise<string | null> {
    const row = await this.db
      .selectFrom('catalog_cursors')
      .select('updated_on')
      .where('connection_id', '=', connectionId)
      .where('source_table', '=', table)
      .executeTakeFirst();
    return row?.updated_on ?? null;
  }

  async completeTable(input: CompleteCatalogTableInput): Promise<{ deleted: number }> {
    const { connectionId, table } = input;
    const at = input.at.toISOString();
    const rowTable = MAPPINGS[table].table;
    return this.db.transaction().execute(async (trx) => {
      let deleted = 0;
      if (input.full) {
        const untyped = trx as unknown as Transaction<UntypedDatabase>;
        const result = await untyped
          .updateTable(rowTable)
          .set({ deleted_at: at })
          .where('connection_id', '=', connectionId)
          .where('seen_at', '<', input.startedAt.toISOString())
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        deleted = Number(result.numUpdatedRows);
      }
      await trx
        .insertInto('catalog_cursors')
        .values({ connection_id: connectionId, source_table: table, updated_on: null, last_completed_at: at, last_full_at: input.full ? at : null })
        .onConflict((oc) =>
          oc.columns(['connection_id', 'source_table']).doUpdateSet(input.full ? { last_completed_at: at, last_full_at: at } : { last_completed_at: at }),
        )
        .execute();
      return { deleted };
    });
  }

  async tableStates(connectionId: string): Promise<CatalogTableState[]> {
    const cursors = await this.db.selectFrom('catalog_cursors').selectAll().where('connection_id', '=', connectionId).execute();
    const untyped = this.db as unknown as Kysely<UntypedDatabase>;
    const states: CatalogTableState[] = [];
    for (const table of CATALOG_SOURCE_TABLES) {
      const counts = await untyped
        .selectFrom(MAPPINGS[table].table)
        .select((eb) => [
          eb.fn.countAll<number>().as('total'),
          eb.fn.count<number>('deleted_at').as('deleted'),
        ])
        .where('connection_id', '=', connectionId)
        .executeTakeFirstOrThrow();
      const cursor = cursors.find((c) => c.source_table === table);
      const total = Number(counts.total);
      const deleted = Number(counts.deleted);
      states.push({
        table,
        cursor: cursor?.updated_on ?? null,
        lastCompletedAt: cursor?.last_completed_at ? new Date(cursor.last_completed_at) : null,
        lastFullAt: cursor?.last_full_at ? new Date(cursor.last_full_at) : null,
        rows: total - deleted,
        deleted,
      });
    }
    return states;
  }

  async getCi(connectionId: string, sysId: string): Promise<StoredCatalogRecord<CatalogCi> | undefined> {
    const row = await this.db.selectFrom('catalog_cis').selectAll().where('connection_id', '=', connectionId).where('sys_id', '=', sysId).executeTakeFirst();
    return row && CI_MAPPING.fromRow(row);
  }

  async findCisByName(connectionId: string, name: string): Promise<StoredCatalogRecord<CatalogCi>[]> {
    const rows = await this.db
      .selectFrom('catalog_cis')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('name_key', '=', lookupKey(name))
      .where('deleted_at', 'is', null)
      .orderBy('sys_updated_on', 'desc')
      .orderBy('sys_id')
      .execute();
    return rows.map(CI_MAPPING.fromRow);
  }

  async getService(connectionId: string, sysId: string): Promise<StoredCatalogRecord<CatalogService> | undefined> {
    const row = await this.db
      .selectFrom('catalog_services')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('sys_id', '=', sysId)
      .executeTakeFirst();
    return row && SERVICE_MAPPING.fromRow(row);
  }

  async findServiceByName(connectionId: string, name: string): Promise<StoredCatalogRecord<CatalogService> | undefined> {
    const row = await this.newestLive(connectionId, 'catalog_services', 'name_key', lookupKey(name));
    return row && SERVICE_MAPPING.fromRow(row);
  }

  async getUser(connectionId: string, sysId: string): Promise<StoredCatalogRecord<CatalogUser> | undefined> {
    const row = await this.db.selectFrom('catalog_users').selectAll().where('connection_id', '=', connectionId).where('sys_id', '=', sysId).executeTakeFirst();
    return row && USER_MAPPING.fromRow(row);
  }

  async findUserByEmail(connectionId: string, email: string): Promise<StoredCatalogRecord<CatalogUser> | undefined> {
    const key = lookupKey(email);
    if (key === '') return undefined;
    const row = await this.newestLive(connectionId, 'catalog_users', 'email_key', key);
    return row && USER_MAPPING.fromRow(row);
  }

  async findUserByUserName(connectionId: string, userName: string): Promise<StoredCatalogRecord<CatalogUser> | undefined> {
    const key = lookupKey(userName);
    if (key === '') return undefined;
    const row = await this.newestLive(connectionId, 'catalog_users', 'user_name_key', key);
    return row && USER_MAPPING.fromRow(row);
  }

  async getGroup(connectionId: string, sysId: string): Promise<StoredCatalogRecord<CatalogGroup> | undefined> {
    const row = await this.db.selectFrom('catalog_groups').selectAll().where('connection_id', '=', connectionId).where('sys_id', '=', sysId).executeTakeFirst();
    return row && GROUP_MAPPING.fromRow(row);
  }

  async findGroupByName(connectionId: string, name: string): Promise<StoredCatalogRecord<CatalogGroup> | undefined> {
    const row = await this.newestLive(connectionId, 'catalog_groups', 'name_key', lookupKey(name));
    return row && GROUP_MAPPING.fromRow(row);
  }

  async groupsOfUser(connectionId: string, userSysId: string): Promise<StoredCatalogRecord<CatalogGroup>[]> {
    const rows = await this.linked(connectionId, 'catalog_groups', userSysId);
    return rows.map(GROUP_MAPPING.fromRow);
  }

  async membersOfGroup(connectionId: string, groupSysId: string): Promise<StoredCatalogRecord<CatalogUser>[]> {
    const rows = await this.linked(connectionId, 'catalog_users', groupSysId);
    return rows.map(USER_MAPPING.fromRow);
  }

  /**
   * One side of the live memberships of a record of the other side: the groups of a user, or the
   * members of a group (both records and the membership not deleted), by name.
   */
  private async linked(connectionId: string, side: 'catalog_groups', userSysId: string): Promise<Selectable<CatalogGroupsTable>[]>;
  private async linked(connectionId: string, side: 'catalog_users', groupSysId: string): Promise<Selectable<CatalogUsersTable>[]>;
  private async linked(connectionId: string, side: 'catalog_groups' | 'catalog_users', otherSysId: string) {
    const [listed, by] = side === 'catalog_groups' ? (['group_sys_id', 'user_sys_id'] as const) : (['user_sys_id', 'group_sys_id'] as const);
    return this.db
      .selectFrom(side)
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('deleted_at', 'is', null)
      .where('sys_id', 'in', (eb) =>
        eb
          .selectFrom('catalog_group_members as m')
          .select(`m.${listed}`)
          .where('m.connection_id', '=', connectionId)
          .where(`m.${by}`, '=', otherSysId)
          .where('m.deleted_at', 'is', null),
      )
      .orderBy('name')
      .orderBy('sys_id')
      .execute();
  }

  /**
   * The live record whose lookup column holds `key`; of several, an active one first (users and
   * groups have `active`), then the most recently updated.
   */
  private async newestLive(connectionId: string, table: 'catalog_services', column: 'name_key', key: string): Promise<Selectable<CatalogServicesTable> | undefined>;
  private async newestLive(connectionId: string, table: 'catalog_groups', column: 'name_key', key: string): Promise<Selectable<CatalogGroupsTable> | undefined>;
  private async newestLive(connectionId: string, table: 'catalog_users', column: 'email_key' | 'user_name_key', key: string): Promise<Selectable<CatalogUsersTable> | undefined>;
  private async newestLive(connectionId: string, table: 'catalog_services' | 'catalog_groups' | 'catalog_users', column: 'name_key' | 'email_key' | 'user_name_key', key: string) {
    return this.db
      .selectFrom(table)
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where(column, '=', key)
      .where('deleted_at', 'is', null)
      .$if(table !== 'catalog_services', (q) => q.orderBy('active', 'desc'))
      .orderBy('sys_updated_on', 'desc')
      .orderBy('sys_id')
      .executeTakeFirst();
  }

  private async storedVersions(
    trx: Transaction<CompanionDatabase>,
    table: RowTable,
    connectionId: string,
    sysIds: readonly string[],
  ): Promise<Map<string, StoredVersionRow>> {
    const found = new Map<string, StoredVersionRow>();
    const ids = [...new Set(sysIds)];
    let offset = 0;
    for (const size of statementSizes(ids.length)) {
      const shape = this.shape(`versions:${table}:${size}`, () => {
        const untyped = this.db as unknown as Kysely<UntypedDatabase>;
        return untyped
          .selectFrom(table)
          .select(['sys_id', 'sys_updated_on', 'sys_mod_count', 'deleted_at'])
          .where('connection_id', '=', slot(0))
          .where('sys_id', 'in', Array.from({ length: size }, (_, i) => slot(i + 1)));
      });
      const args: unknown[] = [connectionId];
      for (let i = 0; i < size; i++) args.push(ids[offset + i]);
      offset += size;
      const result = await run<StoredVersionRow>(trx, shape, args);
      for (const row of result.rows) found.set(row.sys_id, row);
    }
    return found;
  }

  /** Each catalog table's columns in the order its upserts bind them (those of its first row). */
  private columns(table: RowTable, row: Record<string, unknown>): readonly string[] {
    let columns = this.columnsOf.get(table);
    if (!columns) {
      columns = Object.keys(row);
      this.columnsOf.set(table, columns);
    }
    return columns;
  }

  /**
   * Inserts each row not stored yet, on the SQLite connection (see useSqliteConnection); a row
   * whose (connection, sys_id) is stored is left as it is. Returns the sys_ids of those.
   */
  private insertNew(table: RowTable, rows: readonly Record<string, unknown>[]): Set<string> {
    const conflicts = new Set<string>();
    if (rows.length === 0) return conflicts;
    const columns = this.columns(table, rows[0]!);
    const width = columns.length;
    let statement = this.rowInserts.get(table);
    if (!statement) {
      const untyped = this.db as unknown as Kysely<UntypedDatabase>;
      const compiled = untyped
        .insertInto(table)
        .values(Object.fromEntries(columns.map((c) => [c, sql`?`])))
        .onConflict((oc) => oc.columns(['connection_id', 'sys_id']).doNothing())
        .compile();
      statement = this.sqlite!.prepare(compiled.sql);
      this.rowInserts.set(table, statement);
    }
    const args: unknown[] = new Array(width);
    for (const row of rows) {
      for (let k = 0; k < width; k++) args[k] = row[columns[k]!];
      if (statement.run(args).changes === 0) conflicts.add(row.sys_id as string);
    }
    return conflicts;
  }

  private async upsert(trx: Transaction<CompanionDatabase>, table: RowTable, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = this.columns(table, rows[0]!);
    const width = columns.length;
    if (this.sqlite) {
      const statement = this.rowUpsert(table, columns);
      const args: unknown[] = new Array(width);
      for (const row of rows) {
        for (let k = 0; k < width; k++) args[k] = row[columns[k]!];
        statement.run(args);
      }
      return;
    }
    let offset = 0;
    for (const size of statementSizes(rows.length)) {
      const shape = this.shape(`upsert:${table}:${size}`, () => {
        const untyped = this.db as unknown as Kysely<UntypedDatabase>;
        const updatable = columns.filter((c) => c !== 'connection_id' && c !== 'sys_id');
        const placeholders = Array.from({ length: size }, (_, r) => Object.fromEntries(columns.map((c, k) => [c, slot(r * width + k)])));
        return untyped
          .insertInto(table)
          .values(placeholders)
          .onConflict((oc) =>
            oc.columns(['connection_id', 'sys_id']).doUpdateSet((eb) => Object.fromEntries(updatable.map((c) => [c, eb.ref(`excluded.${c}`)]))),
          );
      });
      const args: unknown[] = new Array(size * width);
      for (let r = 0; r < size; r++) {
        const row = rows[offset + r]!;
        for (let k = 0; k < width; k++) args[r * width + k] = row[columns[k]!];
      }
      offset += size;
      await run(trx, shape, args);
    }
  }

  /** The single-row upsert of `table` on the SQLite connection, prepared on first use. */
  private rowUpsert(table: RowTable, columns: readonly string[]): Database.Statement {
    let statement = this.rowUpserts.get(table);
    if (!statement) {
      const untyped = this.db as unknown as Kysely<UntypedDatabase>;
      const updatable = columns.filter((c) => c !== 'connection_id' && c !== 'sys_id');
      const compiled = untyped
        .insertInto(table)
        .values(Object.fromEntries(columns.map((c) => [c, sql`?`])))
        .onConflict((oc) => oc.columns(['connection_id', 'sys_id']).doUpdateSet((eb) => Object.fromEntries(updatable.map((c) => [c, eb.ref(`excluded.${c}`)]))))
        .compile();
      statement = this.sqlite!.prepare(compiled.sql);
      this.rowUpserts.set(table, statement);
    }
    return statement;
  }

  private async markSeen(trx: Transaction<CompanionDatabase>, table: RowTable, connectionId: string, sysIds: readonly string[], at: string): Promise<void> {
    let offset = 0;
    for (const size of statementSizes(sysIds.length)) {
      const shape = this.shape(`seen:${table}:${size}`, () => {
        const untyped = this.db as unknown as Kysely<UntypedDatabase>;
        return untyped
          .updateTable(table)
          .set({ seen_at: slot(0) })
          .where('connection_id', '=', slot(1))
          .where('sys_id', 'in', Array.from({ length: size }, (_, i) => slot(i + 2)));
      });
      await run(trx, shape, [at, connectionId, ...sysIds.slice(offset, offset + size)]);
      offset += size;
    }
  }

  /** The statement of this shape, built and compiled on first use. */
  private shape(key: string, build: () => { compile(): CompiledQuery }): CompiledShape {
    let shape = this.shapes.get(key);
    if (!shape) {
      const compiled = build().compile();
      const slots = compiled.parameters.map((value) => {
        // Every value of a shape is a slot: a parameter that is not one (kysely turned it into
        // something else) would bind the same value on every call.
        if (typeof value !== 'string' || !value.startsWith(SLOT)) throw new IncidentSnError(`catalog statement ${key}: parameter ${String(value)} is not a slot`, { code: 'catalog_statement_slot' });
        return Number(value.slice(SLOT.length));
      });
      shape = { sql: compiled.sql, query: compiled.query, slots };
      this.shapes.set(key, shape);
    }
    return shape;
  }
}

/** In key order: consecutive rows land on neighbouring pages of the (connection, sys_id) index, which SQLite then finds in its cache (sys_ids are random, and so is a page's order). */
function sortedBySysId(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.sort((a, b) => (a.sys_id === b.sys_id ? 0 : (a.sys_id as string) < (b.sys_id as string) ? -1 : 1));
}

function slot(index: number): string {
  return `${SLOT}${index}`;
}

async function run<R>(trx: Transaction<CompanionDatabase>, shape: CompiledShape, args: readonly unknown[]) {
  const parameters = shape.slots.map((i) => args[i]);
  return trx.executeQuery<R>({ sql: shape.sql, query: shape.query, parameters, queryId: { queryId: '' } } as unknown as CompiledQuery<R>);
}
