import {
  CatalogAccessError,
  CatalogImportError,
  importCatalog,
  type CatalogImportSummary,
  type CatalogProgressEvent,
  type CatalogClient,
  type CatalogTableResult,
  type ImportCatalogOptions,
} from '../../../src/companion/catalog';
import { formatServiceNowTime } from '../../../src/companion/catalog/paging';
import { seedEdits, type StartInstanceOptions } from '../../../src/instance';
import {
  companionFor,
  countingClient,
  RequestLog,
  shiftTime,
  spreadUpdatedOn,
  startCatalogInstance,
  type CatalogCompanion,
} from '../../helpers/catalog-fixture';
import type { Credentials, TestInstance } from '../../helpers/instance';
import type { Page, PageOptions, TableClient, TableRecord } from '../../../src/companion/client';
import type { CatalogStore } from '../../../src/companion/store/catalog-store';

/**
 * The catalog import against the local instance over real HTTP: the first import, incremental
 * re-runs, the overlap window, --full and deletions, refused tables, and resuming after a failure.
 */

interface Setup {
  sn: TestInstance;
  companion: CatalogCompanion;
  client: CatalogClient;
  log: RequestLog;
  run(options?: Partial<ImportCatalogOptions>): Promise<CatalogImportSummary>;
}

const open: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (open.length > 0) await open.pop()!();
});

async function setup(options: { seed?: StartInstanceOptions['seed']; user?: Credentials } = {}): Promise<Setup> {
  const sn = await startCatalogInstance(options.seed ? { seed: options.seed } : {});
  open.push(() => sn.close());
  spreadUpdatedOn(sn);
  const companion = await companionFor(sn, options.user);
  open.push(() => companion.close());
  const log = new RequestLog();
  const client = countingClient(companion.connection, log);
  open.push(() => client.close());
  const run = (extra: Partial<ImportCatalogOptions> = {}): Promise<CatalogImportSummary> =>
    importCatalog({ store: companion.store, client: client.table, connectionName: companion.connection.name, ...extra });
  return { sn, companion, client, log, run };
}

function byTable(summary: CatalogImportSummary): Record<string, CatalogTableResult> {
  return Object.fromEntries(summary.tables.map((t) => [t.table, t]));
}

/** fetched / inserted / updated / unchanged / deleted of each table. */
function counts(summary: CatalogImportSummary): Record<string, [number, number, number, number, number]> {
  return Object.fromEntries(summary.tables.map((t) => [t.table, [t.fetched, t.inserted, t.updated, t.unchanged, t.deleted]]));
}

async function sysIdOf(sn: TestInstance, table: string, query: string): Promise<string> {
  const found = await sn.list(table, { sysparm_query: query, sysparm_fields: 'sys_id' });
  const id = found.result[0]?.sys_id;
  if (typeof id !== 'string') throw new Error(`no ${table} row for ${query}`);
  return id;
}

async function adminWrite(sn: TestInstance, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: Record<string, unknown>): Promise<Record<string, string>> {
  const res = await sn.request(method, path, body ? { body } : {});
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return ((res.json as { result?: Record<string, string> } | undefined)?.result ?? {}) as Record<string, string>;
}

describe('import-catalog: the first import', () => {
  it('stores every CI with its class, the services, users, groups and memberships of the seed', async () => {
    const { sn, companion, run } = await setup();
    const summary = await run();
    const id = companion.connection.id;
    const catalog = companion.store.catalog;

    expect(summary.ok).toBe(true);
    expect(summary.mode).toBe('incremental');
    expect(counts(summary)).toEqual({
      cmdb_ci: [10, 10, 0, 0, 0],
      cmdb_ci_service: [3, 3, 0, 0, 0],
      sys_user: [10, 10, 0, 0, 0],
      sys_user_group: [4, 4, 0, 0, 0],
      sys_user_grmember: [7, 7, 0, 0, 0],
    });

    // Every CI of the instance, by sys_id, with its class.
    const instanceCis = sn.engine.query('cmdb_ci').records;
    const stored = await Promise.all(instanceCis.map((r) => catalog.getCi(id, r.sysId)));
    expect(stored.map((ci) => [ci?.name, ci?.className]).sort()).toEqual(
      [
        ['Customer Portal', 'cmdb_ci_service'],
        ['Email', 'cmdb_ci_service'],
        ['Payments', 'cmdb_ci_service'],
        ['lnx-db-01', 'cmdb_ci_server'],
        ['lnx-stage-01', 'cmdb_ci_server'],
        ['lnx-web-01', 'cmdb_ci_server'],
        ['lnx-web-02', 'cmdb_ci_server'],
        ['nginx-edge', 'cmdb_ci_app_server'],
        ['tomcat-payments', 'cmdb_ci_app_server'],
        ['win-ad-01', 'cmdb_ci_server'],
      ].sort(),
    );

    const database = await catalog.findGroupByName(id, 'database');
    const dan = await catalog.findUserByUserName(id, 'dan.okafor');
    const [db01] = await catalog.findCisByName(id, 'LNX-DB-01');
    expect(db01).toMatchObject({
      className: 'cmdb_ci_server',
      operationalStatus: '1',
      environment: 'Production',
      ipAddress: '10.0.2.21',
      supportGroupSysId: database!.sysId,
      ownedBySysId: dan!.sysId,
      managedBySysId: null,
      deletedAt: null,
    });
    expect((await catalog.findCisByName(id, 'lnx-stage-01'))[0]).toMatchObject({ operationalStatus: '2', supportGroupSysId: null });

    const alice = await catalog.findUserByEmail(id, 'Alice.Chen@example.com');
    expect(alice).toMatchObject({ userName: 'alice.chen', name: 'Alice Chen', firstName: 'Alice', lastName: 'Chen', active: true });
    expect(await catalog.findServiceByName(id, 'payments')).toMatchObject({
      className: 'cmdb_ci_service',
      businessCriticality: '1 - most critical',
      usedFor: 'Production',
      ownedBySysId: alice!.sysId,
    });
    expect(await catalog.findUserByUserName(id, 'frank.li')).toMatchObject({ email: 'frank.li@example.com', active: false });
    expect(await catalog.findGroupByName(id, 'Service Desk')).toMatchObject({
      email: 'servicedesk@example.com',
      description: 'First line support',
      managerSysId: alice!.sysId,
      active: true,
    });

    const members: Record<string, string[]> = {};
    for (const group of ['Service Desk', 'Network', 'Database', 'Incident Management']) {
      const g = await catalog.findGroupByName(id, group);
      members[group] = (await catalog.membersOfGroup(id, g!.sysId)).map((u) => u.userName).sort();
    }
    expect(members).toEqual({
      'Service Desk': ['alice.chen', 'itil.admin', 'itil.user'],
      Network: ['bob.patel', 'carla.ruiz'],
      Database: ['dan.okafor'],
      'Incident Management': ['alice.chen'],
    });
    expect((await catalog.groupsOfUser(id, alice!.sysId)).map((g) => g.name)).toEqual(['Incident Management', 'Service Desk']);

    const states = await catalog.tableStates(id);
    expect(states.map((s) => [s.table, s.rows, s.deleted, s.lastCompletedAt !== null, s.lastFullAt])).toEqual([
      ['cmdb_ci', 10, 0, true, null],
      ['cmdb_ci_service', 3, 0, true, null],
      ['sys_user', 10, 0, true, null],
      ['sys_user_group', 4, 0, true, null],
      ['sys_user_grmember', 7, 0, true, null],
    ]);
  });
});

describe('import-catalog: re-runs read only what changed', () => {
  it('fetches the changed rows (and the one row inside the overlap window) and stores the changes', async () => {
    const { sn, companion, log, run } = await setup();
    await run();
    const id = companion.connection.id;
    const catalog = companion.store.catalog;

    // Changes through the Table API, as an admin would make them.
    const web01 = await sysIdOf(sn, 'cmdb_ci', 'name=lnx-web-01');
    await adminWrite(sn, 'PATCH', `/api/now/table/cmdb_ci_server/${web01}`, { name: 'lnx-web-01a', operational_status: '3' });
    await adminWrite(sn, 'PATCH', `/api/now/table/cmdb_ci_service/${await sysIdOf(sn, 'cmdb_ci_service', 'name=Email')}`, { used_for: 'Staging' });
    await adminWrite(sn, 'PATCH', `/api/now/table/sys_user/${await sysIdOf(sn, 'sys_user', 'user_name=bob.patel')}`, { email: 'robert.patel@example.com' });
    const carla = await sysIdOf(sn, 'sys_user', 'user_name=carla.ruiz');
    const sre = await adminWrite(sn, 'POST', '/api/now/table/sys_user_group', { name: 'SRE', manager: carla, email: 'sre@example.com' });
    await adminWrite(sn, 'POST', '/api/now/table/sys_user_grmember', { user: carla, group: sre.sys_id });

    log.clear();
    const second = await run();
    expect(second.ok).toBe(true);
    // The overlap re-reads the newest row of each table (win-ad-01, Payments, svc_incident_io,
    // Service Desk, the newest membership), unchanged; everything else read is a change.
    expect(counts(second)).toEqual({
      cmdb_ci: [3, 0, 2, 1, 0],
      cmdb_ci_service: [2, 0, 1, 1, 0],
      sys_user: [2, 0, 1, 1, 0],
      sys_user_group: [2, 1, 0, 1, 0],
      sys_user_grmember: [2, 1, 0, 1, 0],
    });
    // One page per table, then the empty page that ends it.
    for (const table of ['cmdb_ci', 'cmdb_ci_service', 'sys_user', 'sys_user_group', 'sys_user_grmember']) {
      expect([table, log.listRequests(table)]).toEqual([table, 2]);
    }
    expect(byTable(second).cmdb_ci!.since).not.toBeNull();

    expect(await catalog.getCi(id, web01)).toMatchObject({ name: 'lnx-web-01a', operationalStatus: '3', sysModCount: 2 });
    expect(await catalog.findCisByName(id, 'lnx-web-01')).toEqual([]);
    expect(await catalog.findServiceByName(id, 'Email')).toMatchObject({ usedFor: 'Staging' });
    expect(await catalog.findUserByEmail(id, 'bob.patel@example.com')).toBeUndefined();
    expect(await catalog.findUserByEmail(id, 'robert.patel@example.com')).toMatchObject({ userName: 'bob.patel' });
    expect(await catalog.findGroupByName(id, 'sre')).toMatchObject({ sysId: sre.sys_id, managerSysId: carla, email: 'sre@example.com' });
    expect((await catalog.groupsOfUser(id, carla)).map((g) => g.name)).toEqual(['Network', 'SRE']);

    // Nothing changed since: a third run writes nothing.
    const third = await run();
    for (const table of third.tables) expect([table.table, table.inserted, table.updated]).toEqual([table.table, 0, 0]);
  });

  it('still picks up a row committed late with a sys_updated_on inside the overlap window, not one older than it', async () => {
    const { sn, companion, run } = await setup();
    await run();
    const id = companion.connection.id;
    const cursor = await companion.store.catalog.getCursor(id, 'cmdb_ci');
    expect(cursor).not.toBeNull();

    // Two servers whose transactions stamped them before the cursor but committed after the run.
    const inside = sn.engine.insert('cmdb_ci_server', { name: 'late-inside', sys_updated_on: shiftTime(cursor!, -120) }, { allowSystemFields: true });
    sn.engine.insert('cmdb_ci_server', { name: 'late-outside', sys_updated_on: shiftTime(cursor!, -1800) }, { allowSystemFields: true });

    const second = await run({ overlapSeconds: 300 });
    expect(byTable(second).cmdb_ci).toMatchObject({ since: shiftTime(cursor!, -300), fetched: 2, inserted: 1, unchanged: 1 });
    expect(await companion.store.catalog.getCi(id, inside.sysId)).toMatchObject({ name: 'late-inside', className: 'cmdb_ci_server' });
    expect(await companion.store.catalog.findCisByName(id, 'late-outside')).toEqual([]);
    // The cursor did not move back to the late row's time.
    expect(await companion.store.catalog.getCursor(id, 'cmdb_ci')).toBe(cursor);

    // Beyond the window only a full run finds it.
    const full = await run({ full: true });
    expect(byTable(full).cmdb_ci).toMatchObject({ fetched: 12, inserted: 1, unchanged: 11 });
    expect(await companion.store.catalog.findCisByName(id, 'late-outside')).toHaveLength(1);
  });
});

describe('import-catalog --full: deletions', () => {
  it('marks a user deleted on the instance as deleted, which an incremental run cannot see', async () => {
    const { sn, companion, run } = await setup();
    await run();
    const id = companion.connection.id;
    const frank = await sysIdOf(sn, 'sys_user', 'user_name=frank.li');
    await adminWrite(sn, 'DELETE', `/api/now/table/sys_user/${frank}`);

    const incremental = await run();
    expect(byTable(incremental).sys_user).toMatchObject({ deleted: 0 });
    expect(await companion.store.catalog.getUser(id, frank)).toMatchObject({ deletedAt: null });

    const before = Date.now();
    const full = await run({ full: true });
    expect(full.mode).toBe('full');
    expect(counts(full)).toEqual({
      cmdb_ci: [10, 0, 0, 10, 0],
      cmdb_ci_service: [3, 0, 0, 3, 0],
      sys_user: [9, 0, 0, 9, 1],
      sys_user_group: [4, 0, 0, 4, 0],
      sys_user_grmember: [7, 0, 0, 7, 0],
    });
    const gone = await companion.store.catalog.getUser(id, frank);
    expect(gone?.userName).toBe('frank.li');
    expect(gone?.deletedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await companion.store.catalog.findUserByEmail(id, 'frank.li@example.com')).toBeUndefined();
    expect(await companion.store.catalog.findUserByUserName(id, 'frank.li')).toBeUndefined();
    const users = (await companion.store.catalog.tableStates(id)).find((s) => s.table === 'sys_user');
    expect(users).toMatchObject({ rows: 9, deleted: 1 });
    expect(users?.lastFullAt).toBeInstanceOf(Date);

    // A second full run finds nothing more to delete.
    expect(byTable(await run({ full: true })).sys_user).toMatchObject({ deleted: 0 });
  });
});

describe('import-catalog: errors', () => {
  it('names the missing role of setup guide step 3 for each table an account may not read, and imports the rest', async () => {
    const { companion, run } = await setup({
      seed: (s) => seedEdits.addUser(s, { user_name: 'cmdb.reader', password: 'reader-password', roles: ['cmdb_read'] }),
      user: { user: 'cmdb.reader', password: 'reader-password' },
    });
    const events: CatalogProgressEvent[] = [];
    const summary = await run({ onProgress: (e) => void events.push(e) });
    expect(summary.ok).toBe(false);
    expect(summary.tables.map((t) => [t.table, t.status, t.error?.code ?? null])).toEqual([
      ['cmdb_ci', 'ok', null],
      ['cmdb_ci_service', 'ok', null],
      ['sys_user', 'failed', 'catalog_access_denied'],
      ['sys_user_group', 'failed', 'catalog_access_denied'],
      ['sys_user_grmember', 'failed', 'catalog_access_denied'],
    ]);
    const refused = events.flatMap((e) => (e.type === 'table-failed' ? [e.error] : []));
    expect(refused).toHaveLength(3);
    for (const error of refused) {
      expect(error).toBeInstanceOf(CatalogAccessError);
      expect((error as CatalogAccessError).role).toBe('sn_cmdb_user');
      expect(error.message).toContain(`may not read ${error.table}`);
      expect(error.message).toMatch(/lacks the role sn_cmdb_user: grant it sn_cmdb_user as setup guide step 3 says/);
      expect(error.message).toContain("No permission to read table '");
    }
    expect((await companion.store.catalog.tableStates(companion.connection.id)).map((s) => s.rows)).toEqual([10, 3, 0, 0, 0]);
  });

  it('names cmdb_read for the CMDB tables', async () => {
    const { run } = await setup({
      seed: (s) => seedEdits.addUser(s, { user_name: 'no.roles', password: 'no-roles-password', roles: [] }),
      user: { user: 'no.roles', password: 'no-roles-password' },
    });
    const summary = await run();
    expect(summary.tables.map((t) => [t.table, t.status])).toEqual([
      ['cmdb_ci', 'failed'],
      ['cmdb_ci_service', 'failed'],
      ['sys_user', 'failed'],
      ['sys_user_group', 'failed'],
      ['sys_user_grmember', 'failed'],
    ]);
    const roleNamed = summary.tables.map((t) => /lacks the role (\w+)/.exec(t.error?.message ?? '')?.[1]);
    expect(roleNamed).toEqual(['cmdb_read', 'cmdb_read', 'sn_cmdb_user', 'sn_cmdb_user', 'sn_cmdb_user']);
  });

  it('says to run incident-sn connect first for a connection that is not stored, before any call', async () => {
    const { log, run } = await setup();
    await expect(run({ connectionName: 'nowhere' })).rejects.toMatchObject({
      code: 'connection_not_found',
      message: 'No connection named "nowhere" is stored: run incident-sn connect first.',
    });
    expect(log.events).toEqual([]);
  });

  it('refuses rows per commit that are not a whole number ≥ 1, before any call', async () => {
    const { log, run } = await setup();
    for (const rowsPerCommit of [0, 1.5, Number.NaN]) {
      await expect(run({ rowsPerCommit })).rejects.toMatchObject({ message: `The rows per commit must be a whole number ≥ 1; got ${rowsPerCommit}.` });
    }
    expect(log.events).toEqual([]);
  });

  it('stops on a rate limit the client may not wait out, saying it can simply be run again', async () => {
    const { run } = await setup({
      seed: (s) => seedEdits.addRateLimit(s, { name: 'Catalog test limit', type: 'user', user: 'svc_incident_io', rate_limit: 1 }),
    });
    const error = (await run().catch((e: unknown) => e)) as CatalogImportError;
    expect(error).toBeInstanceOf(CatalogImportError);
    expect(error.code).toBe('catalog_import_stopped');
    expect(error.message).toMatch(/rate limit/);
    expect(error.message).toContain('run incident-sn import-catalog again to continue from where it stopped');
    expect(error.summary?.tables.map((t) => [t.table, t.status])).toEqual([['cmdb_ci', 'failed']]);
  });
});

describe('import-catalog: rows an ACL hides', () => {
  it('reads on past pages that ACLs shortened in the middle of the table, to the empty page', async () => {
    const { sn, companion, log, run } = await setup({
      seed: (s) =>
        seedEdits.addAcl(seedEdits.removeAcl(s, 'cmdb_ci', 'read'), {
          name: 'cmdb_ci',
          operation: 'read',
          roles: ['cmdb_read'],
          condition: 'nameNOT LIKEsecret',
          admin_overrides: true,
        }),
    });
    // 24 servers a minute apart; two of every four are hidden from the service account.
    const start = sn.engine.now() - 7 * 86_400_000;
    for (let i = 0; i < 24; i++) {
      const name = i % 4 === 1 || i % 4 === 2 ? `secret-${i}` : `open-${i}`;
      sn.engine.insert('cmdb_ci_server', { name, sys_updated_on: formatServiceNowTime(start + i * 60_000) }, { allowSystemFields: true });
    }
    const events: CatalogProgressEvent[] = [];
    const summary = await run({ tables: ['cmdb_ci'], pageSize: 3, onProgress: (e) => void events.push(e) });

    // ServiceNow counts before ACLs: 34 rows, of which 22 may be read.
    expect(events[0]).toMatchObject({ type: 'table-started', table: 'cmdb_ci', total: 34 });
    expect(summary.tables[0]).toMatchObject({ status: 'ok', fetched: 22, inserted: 22 });
    const pageSizes = events.flatMap((e) => (e.type === 'page-stored' ? [e.pageRecords] : []));
    expect(pageSizes.some((n) => n < 3)).toBe(true);
    expect(pageSizes.reduce((a, b) => a + b, 0)).toBe(22);
    expect(log.listRequests('cmdb_ci')).toBe(pageSizes.length + 1);
    const id = companion.connection.id;
    for (let i = 0; i < 24; i += 4) expect(await companion.store.catalog.findCisByName(id, `open-${i}`)).toHaveLength(1);
    expect(await companion.store.catalog.findCisByName(id, 'open-23')).toHaveLength(1);
    expect(await companion.store.catalog.findCisByName(id, 'secret-1')).toEqual([]);
  });
});

describe('import-catalog: resuming', () => {
  it('keeps every page stored before a failure mid-table, and the re-run continues from there', async () => {
    const { sn, companion, log, run } = await setup();
    const id = companion.connection.id;
    let injected = false;
    const onProgress = async (event: CatalogProgressEvent): Promise<void> => {
      if (!injected && event.type === 'page-stored' && event.table === 'cmdb_ci') {
        injected = true;
        // The next two reads of cmdb_ci (the page and the client's one retry) fail. The import reads
        // one page ahead: the second page was asked for before the first was stored, so the third fails.
        await adminWrite(sn, 'PUT', '/api/now/local/faults', { table: { failNext: 2, errorStatus: 503, tables: ['cmdb_ci'] } });
      }
    };
    // Every page committed on its own (none held, none joined), so that the fault comes after the first commit.
    const error = (await run({ pageSize: 3, rowsPerCommit: 1, maxCommitHoldMs: 0, onProgress }).catch((e: unknown) => e)) as CatalogImportError;
    expect(error).toBeInstanceOf(CatalogImportError);
    expect(error).toMatchObject({ code: 'catalog_import_stopped', table: 'cmdb_ci' });
    expect(error.message).toContain('Importing cmdb_ci stopped');
    expect(error.message).toContain('run incident-sn import-catalog again to continue from where it stopped');
    expect(log.events.filter((e) => e.status === 503)).toHaveLength(2);
    expect(error.summary?.tables).toEqual([expect.objectContaining({ table: 'cmdb_ci', status: 'failed', fetched: 6, inserted: 6, pages: 2 })]);

    // The two pages read are stored, and the cursor is at the last row of the second.
    const states = await companion.store.catalog.tableStates(id);
    expect(states.map((s) => s.rows)).toEqual([6, 0, 0, 0, 0]);
    const firstPages = sn.engine.query('cmdb_ci', { query: 'ORDERBYsys_updated_on', limit: 6 }).records;
    expect(states[0]!.cursor).toBe(firstPages[5]!.values.sys_updated_on);
    expect(states[0]!.lastCompletedAt).toBeNull();

    const resumed = await run({ pageSize: 3 });
    expect(resumed.ok).toBe(true);
    // From the cursor: its own row again (unchanged), then the four not read yet.
    expect(byTable(resumed).cmdb_ci).toMatchObject({ fetched: 5, inserted: 4, unchanged: 1 });
    expect((await companion.store.catalog.tableStates(id)).map((s) => s.rows)).toEqual([10, 3, 10, 4, 7]);
  });

  it('stores the pages fetched but not yet committed before it stops on a failure', async () => {
    const { sn, companion, log, run } = await setup();
    const id = companion.connection.id;
    const stored: number[] = [];
    let injected = false;
    const onProgress = async (event: CatalogProgressEvent): Promise<void> => {
      if (event.type === 'page-stored' && event.table === 'cmdb_ci') stored.push(event.pageRecords);
      if (!injected && event.type === 'table-started' && event.table === 'cmdb_ci') {
        injected = true;
        // The first page is here (and not yet stored: pages are committed 2000 rows at a time); the
        // next read of cmdb_ci and the client's one retry fail.
        await adminWrite(sn, 'PUT', '/api/now/local/faults', { table: { failNext: 2, errorStatus: 503, tables: ['cmdb_ci'] } });
      }
    };
    const error = (await run({ pageSize: 3, onProgress }).catch((e: unknown) => e)) as CatalogImportError;
    expect(error).toBeInstanceOf(CatalogImportError);
    expect(error).toMatchObject({ code: 'catalog_import_stopped', table: 'cmdb_ci' });
    expect(log.events.filter((e) => e.status === 503)).toHaveLength(2);
    expect(stored).toEqual([3]);
    expect(error.summary?.tables).toEqual([expect.objectContaining({ table: 'cmdb_ci', status: 'failed', fetched: 3, inserted: 3, pages: 1 })]);

    // The page read is stored, with its cursor: its last row.
    const states = await companion.store.catalog.tableStates(id);
    expect(states.map((s) => s.rows)).toEqual([3, 0, 0, 0, 0]);
    const firstPage = sn.engine.query('cmdb_ci', { query: 'ORDERBYsys_updated_on', limit: 3 }).records;
    expect(states[0]!.cursor).toBe(firstPage[2]!.values.sys_updated_on);

    const resumed = await run({ pageSize: 3 });
    expect(resumed.ok).toBe(true);
    expect(byTable(resumed).cmdb_ci).toMatchObject({ fetched: 8, inserted: 7, unchanged: 1 });
    expect((await companion.store.catalog.tableStates(id)).map((s) => s.rows)).toEqual([10, 3, 10, 4, 7]);
  });

  it('commits several pages in one transaction, each with its cursor', async () => {
    const { companion, run } = await setup();
    const events: CatalogProgressEvent[] = [];
    const calls: number[] = [];
    const catalog = companion.store.catalog;
    const storePages = catalog.storePages.bind(catalog);
    const spy = jest.spyOn(catalog, 'storePages').mockImplementation((inputs, more) => {
      calls.push(inputs.length);
      return storePages(inputs, more);
    });
    try {
      // No pages joined while a transaction is open (below): only the held pages.
      const summary = await run({ tables: ['cmdb_ci'], pageSize: 2, rowsPerCommit: 4, maxCommitHoldMs: 0, onProgress: (e) => void events.push(e) });
      expect(byTable(summary).cmdb_ci).toMatchObject({ status: 'ok', fetched: 10, inserted: 10, pages: 5 });
    } finally {
      spy.mockRestore();
    }
    // Ten CIs in pages of two: two pages per commit, the last page alone.
    expect(calls).toEqual([2, 2, 1]);
    const stored = events.flatMap((e) => (e.type === 'page-stored' ? [[e.fetched, e.stored]] : []));
    expect(stored).toEqual([[2, 2], [4, 4], [6, 6], [8, 8], [10, 10]]);
    const cursors = events.flatMap((e) => (e.type === 'page-stored' ? [e.cursor] : []));
    expect([...cursors].sort()).toEqual(cursors);
    expect(new Set(cursors).size).toBe(5);
  });
  it('a transaction takes the pages that arrive while it is open, up to the most rows per commit, each reported once committed', async () => {
    const { companion, run } = await setup();
    const tx = recordTransactions(companion.store.catalog);
    const events: CatalogProgressEvent[] = [];
    // Pages committed when each page-stored event came.
    const committedAtReport: number[] = [];
    const onProgress = (e: CatalogProgressEvent): void => {
      events.push(e);
      if (e.type === 'page-stored') committedAtReport.push(tx.committedPages());
    };
    try {
      // A bound far beyond how long the local instance takes, so that every page is due before it.
      const summary = await run({ tables: ['cmdb_ci'], pageSize: 2, rowsPerCommit: 2, maxRowsPerCommit: 6, maxCommitHoldMs: 60_000, onProgress });
      expect(byTable(summary).cmdb_ci).toMatchObject({ status: 'ok', fetched: 10, inserted: 10, pages: 5 });
    } finally {
      tx.restore();
    }
    // Ten CIs in pages of two: the first transaction begins with one page and takes two more (six
    // rows); the second takes the last page, and then the empty one that ends the table.
    expect(tx.transactions).toEqual([
      { held: 1, joined: 2 },
      { held: 1, joined: 1 },
    ]);
    const stored = events.flatMap((e) => (e.type === 'page-stored' ? [[e.pageRecords, e.fetched, e.stored]] : []));
    expect(stored).toEqual([[2, 2, 2], [2, 4, 4], [2, 6, 6], [2, 8, 8], [2, 10, 10]]);
    const cursors = events.flatMap((e) => (e.type === 'page-stored' ? [e.cursor] : []));
    expect([...cursors].sort()).toEqual(cursors);
    expect(new Set(cursors).size).toBe(5);
    // Each page reported only once its transaction committed: the first three after the first commit.
    expect(committedAtReport).toEqual([3, 3, 3, 5, 5]);
  });

  it('does not hold a transaction open for a page the instance is slower to send than the bound', async () => {
    const { companion, client, run } = await setup();
    const tx = recordTransactions(companion.store.catalog);
    try {
      const summary = await run({ client: delayedPages(client.table, 400), tables: ['cmdb_ci'], pageSize: 4, rowsPerCommit: 4, maxCommitHoldMs: 300 });
      expect(byTable(summary).cmdb_ci).toMatchObject({ status: 'ok', fetched: 10, inserted: 10, pages: 3 });
    } finally {
      tx.restore();
    }
    expect(tx.transactions).toEqual([
      { held: 1, joined: 0 },
      { held: 1, joined: 0 },
      { held: 1, joined: 0 },
    ]);
    // Each transaction asked for more and was told at once: it did not wait out the bound (300 ms)
    // for a page due 400 ms after it was asked for.
    expect(Math.max(...tx.moreWaitsMs)).toBeLessThan(200);
  });

  it('a page that fails while a transaction waits for it: the pages before it are committed, then the import stops', async () => {
    const { companion, client, run } = await setup();
    const id = companion.connection.id;
    let calls = 0;
    const failing = withListPage(client.table, (inner, table, options) => {
      calls += 1;
      return calls === 3 ? Promise.reject(new Error('connection reset by the test')) : inner(table, options);
    });
    const error = (await run(pagesOfTwoThrough(failing)).catch((e: unknown) => e)) as CatalogImportError;
    expect(error).toBeInstanceOf(CatalogImportError);
    expect(error.summary?.tables).toEqual([expect.objectContaining({ table: 'cmdb_ci', status: 'failed', fetched: 4, inserted: 4, pages: 2 })]);
    expect((await companion.store.catalog.tableStates(id)).map((s) => s.rows)).toEqual([4, 0, 0, 0, 0]);
  });

  it('a page that cannot be paged on from, taken while a transaction is open: the pages before it are committed, then the import stops', async () => {
    const { companion, client, run } = await setup();
    const id = companion.connection.id;
    let calls = 0;
    let second: Page<TableRecord> | undefined;
    // The third answer repeats the second: its last row does not move past the key asked for.
    const repeating = withListPage(client.table, async (inner, table, options) => {
      calls += 1;
      if (calls === 3 && second) return second;
      const page = await inner(table, options);
      if (calls === 2) second = page;
      return page;
    });
    const error = (await run(pagesOfTwoThrough(repeating)).catch((e: unknown) => e)) as CatalogImportError;
    expect(error.message).toMatch(/does not start after the previous one/);
    expect(error.summary?.tables).toEqual([expect.objectContaining({ table: 'cmdb_ci', status: 'failed', inserted: 4, pages: 2 })]);
    expect((await companion.store.catalog.tableStates(id)).map((s) => s.rows)).toEqual([4, 0, 0, 0, 0]);
  });

  it('refuses a most-rows or hold bound that is not one', async () => {
    const { run } = await setup();
    for (const maxRowsPerCommit of [0, 2.5, Number.NaN]) {
      await expect(run({ maxRowsPerCommit })).rejects.toMatchObject({ message: `The most rows per commit must be a whole number ≥ 1; got ${maxRowsPerCommit}.` });
    }
    for (const maxCommitHoldMs of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
      await expect(run({ maxCommitHoldMs })).rejects.toMatchObject({
        message: `The longest a commit may wait for more pages must be a number of milliseconds ≥ 0; got ${maxCommitHoldMs}.`,
      });
    }
  });
});

type ListPage = TableClient['listPage'];

/** The CMDB in pages of two through `client`, each transaction free to take every page (a bound of a minute). */
function pagesOfTwoThrough(client: TableClient): Partial<ImportCatalogOptions> {
  return { client, tables: ['cmdb_ci'], pageSize: 2, rowsPerCommit: 2, maxCommitHoldMs: 60_000 };
}

/** The client with its listPage replaced by `replace`, given the original. */
function withListPage(inner: TableClient, replace: (original: ListPage, table: string, options: PageOptions) => Promise<Page<TableRecord>>): TableClient {
  const original = inner.listPage.bind(inner) as ListPage;
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'listPage') return (table: string, options: PageOptions) => replace(original, table, options);
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The client with every answer held back `ms` before it is given. */
function delayedPages(inner: TableClient, ms: number): TableClient {
  return withListPage(inner, async (original, table, options) => {
    const page = await original(table, options);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return page;
  });
}

/**
 * Records each transaction storePages is given: how many pages it began with, how many it took
 * while open (from `more`), how long each call of `more` took, and the order of commits.
 */
function recordTransactions(catalog: CatalogStore) {
  const transactions: Array<{ held: number; joined: number }> = [];
  const moreWaitsMs: number[] = [];
  let committed = 0;
  const storePages = catalog.storePages.bind(catalog);
  const spy = jest.spyOn(catalog, 'storePages').mockImplementation(async (inputs, more) => {
    const entry = { held: inputs.length, joined: 0 };
    transactions.push(entry);
    const counted = more
      ? async () => {
          const startedAt = performance.now();
          const input = await more();
          moreWaitsMs.push(performance.now() - startedAt);
          if (input) entry.joined += 1;
          return input;
        }
      : undefined;
    const stored = await storePages(inputs, counted);
    committed += stored.length;
    return stored;
  });
  return {
    transactions,
    moreWaitsMs,
    /** Pages committed so far. */
    committedPages: () => committed,
    restore: () => spy.mockRestore(),
  };
}
