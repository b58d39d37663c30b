import { CatalogImportBusyError, CatalogImportLeaseLostError, withImportLease } from '../../../../src/companion/catalog';
import { Secret } from '../../../../src/companion/store';
import type { CatalogCi, CatalogStore, CatalogUser } from '../../../../src/companion/store/catalog-store';
import { tempDataDir } from '../../../helpers/command-io';
import { KyselyCatalogStore, statementSizes } from '../../../../src/companion/store/kysely-catalog-store';
import { openTestStore, STORE_BACKENDS, type TestStore } from '../../../helpers/store-backends';

/** The catalog store over a real SQLite file and a real PostgreSQL database. */

let data: ReturnType<typeof tempDataDir>;
let store: TestStore;
let catalog: CatalogStore;
let acme: string;

const T0 = new Date('2026-03-01T10:00:00Z');

function sysId(n: number): string {
  return n.toString(16).padStart(32, '0');
}

function user(n: number, over: Partial<CatalogUser> = {}): CatalogUser {
  return {
    sysId: sysId(n),
    sysUpdatedOn: '2026-02-01 00:00:00',
    sysModCount: 0,
    userName: `user.${n}`,
    name: `User ${n}`,
    firstName: 'User',
    lastName: String(n),
    email: `user.${n}@example.com`,
    active: true,
    ...over,
  };
}

function ci(n: number, over: Partial<CatalogCi> = {}): CatalogCi {
  return {
    sysId: sysId(n),
    sysUpdatedOn: '2026-02-01 00:00:00',
    sysModCount: 0,
    className: 'cmdb_ci_server',
    name: `srv-${n}`,
    shortDescription: '',
    operationalStatus: '1',
    installStatus: '1',
    environment: '',
    supportGroupSysId: null,
    ownedBySysId: null,
    managedBySysId: null,
    ipAddress: '',
    fqdn: '',
    ...over,
  };
}

async function connectionNamed(name: string): Promise<string> {
  const { connection } = await store.saveConnection({
    name,
    instanceUrl: `https://${name}.service-now.com`,
    mode: 'polling',
    clientId: 'client',
    clientSecret: new Secret('client-secret'),
    username: 'svc',
    password: new Secret('password'),
    publicUrl: 'http://127.0.0.1:3000',
    signingSecret: null,
    integrationUser: 'svc',
  });
  return connection.id;
}

function storeUsers(records: CatalogUser[], options: { at?: Date; markSeen?: boolean; connectionId?: string } = {}) {
  return catalog.storePage({ connectionId: options.connectionId ?? acme, page: { table: 'sys_user', records }, at: options.at ?? T0, markSeen: options.markSeen ?? false });
}

describe.each(STORE_BACKENDS)('on %s', (backend) => {
  beforeEach(async () => {
    data = tempDataDir();
    store = await openTestStore(backend, { dir: data.dir });
    catalog = store.catalog;
    acme = await connectionNamed('acme');
  });

  afterEach(async () => {
    await store.close();
    data.remove();
  });

  describe('storePage', () => {
    it('inserts, then leaves the same version alone, then updates a newer one; the cursor is the newest time stored', async () => {
      expect(await storeUsers([user(1), user(2, { sysUpdatedOn: '2026-02-02 00:00:00' })])).toEqual({ inserted: 2, updated: 0, unchanged: 0, cursor: '2026-02-02 00:00:00' });
      expect(await storeUsers([user(1), user(2, { sysUpdatedOn: '2026-02-02 00:00:00' })])).toEqual({ inserted: 0, updated: 0, unchanged: 2, cursor: '2026-02-02 00:00:00' });
      const newer = user(1, { sysUpdatedOn: '2026-02-03 00:00:00', sysModCount: 1, email: 'new@example.com' });
      expect(await storeUsers([newer])).toEqual({ inserted: 0, updated: 1, unchanged: 0, cursor: '2026-02-03 00:00:00' });
      expect(await catalog.getUser(acme, sysId(1))).toMatchObject({ email: 'new@example.com', sysModCount: 1, storedAt: T0, deletedAt: null });
      expect(await catalog.getCursor(acme, 'sys_user')).toBe('2026-02-03 00:00:00');
    });

    it('never replaces a newer version with an older one, and never moves the cursor back', async () => {
      await storeUsers([user(1, { sysUpdatedOn: '2026-02-05 00:00:00', sysModCount: 4, name: 'Newest' })]);
      const outcome = await storeUsers([user(1, { sysUpdatedOn: '2026-02-01 00:00:00', sysModCount: 2, name: 'Older' })]);
      expect(outcome).toEqual({ inserted: 0, updated: 0, unchanged: 1, cursor: '2026-02-05 00:00:00' });
      expect((await catalog.getUser(acme, sysId(1)))?.name).toBe('Newest');
    });

    it('stores a page larger than one statement holds (chunked), in one go', async () => {
      const many = Array.from({ length: 1234 }, (_, i) => user(i + 1));
      expect(await storeUsers(many)).toMatchObject({ inserted: 1234 });
      expect(await storeUsers(many, { markSeen: true })).toMatchObject({ inserted: 0, unchanged: 1234 });
      expect((await catalog.tableStates(acme)).find((s) => s.table === 'sys_user')).toMatchObject({ rows: 1234, deleted: 0 });
    });

    it('keeps a bounded set of page statements whatever the pages\' sizes (memory does not grow with the catalog)', async () => {
      expect(catalog).toBeInstanceOf(KyselyCatalogStore);
      const kysely = catalog as KyselyCatalogStore;
      // Pages of ragged sizes, as an incremental run writes them (only the changed rows), each then
      // stored again as unchanged and marked seen: the three kinds of statement. 511 needs every size.
      let next = 1;
      const pageOf = (size: number) => Array.from({ length: size }, () => user(next++));
      for (const size of [511, 3, 300]) {
        const page = pageOf(size);
        expect(await storeUsers(page)).toMatchObject({ inserted: size });
        expect(await storeUsers(page, { markSeen: true })).toMatchObject({ unchanged: size });
      }
      // One statement per kind and size of the fixed set of nine; on SQLite, rows are upserted (or,
      // newer than the cursor, inserted first) one statement each (two statements, whatever the size).
      const bound = backend === 'sqlite' ? 2 * 9 + 2 : 3 * 9;
      expect(kysely.compiledShapeCount).toBe(bound);
      for (const size of [2, 77, 130, 259, 444, 599]) {
        const page = pageOf(size);
        await storeUsers(page);
        await storeUsers(page, { markSeen: true });
      }
      expect((await catalog.tableStates(acme)).find((s) => s.table === 'sys_user')).toMatchObject({ rows: next - 1 });
      expect(kysely.compiledShapeCount).toBe(bound);
    });

    it('stores all of a page or nothing, cursor included', async () => {
      const page = [...Array.from({ length: 450 }, (_, i) => user(i + 1, { sysUpdatedOn: '2026-02-09 00:00:00' })), user(999, { firstName: null as unknown as string })];
      // Matched on the message: better-sqlite3's error may come from another test file's realm.
      await expect(storeUsers(page)).rejects.toMatchObject({ message: expect.stringMatching(/NOT NULL|not-null/i) });
      expect((await catalog.tableStates(acme)).find((s) => s.table === 'sys_user')).toMatchObject({ rows: 0, cursor: null });
    });

    it('keeps each connection\'s catalog apart, even for the same sys_id', async () => {
      const other = await connectionNamed('other');
      await storeUsers([user(1, { email: 'acme@example.com' })]);
      await storeUsers([user(1, { email: 'other@example.com' })], { connectionId: other });
      expect((await catalog.getUser(acme, sysId(1)))?.email).toBe('acme@example.com');
      expect((await catalog.getUser(other, sysId(1)))?.email).toBe('other@example.com');
      expect(await catalog.findUserByEmail(other, 'acme@example.com')).toBeUndefined();
    });
  });

  describe('storePages', () => {
    const page = (records: CatalogUser[], at = T0) => ({ connectionId: acme, page: { table: 'sys_user' as const, records }, at, markSeen: false });

    it('stores several pages as storePage would one after the other: each decided against the pages before it, each with its cursor', async () => {
      const later = user(2, { sysUpdatedOn: '2026-02-04 00:00:00', sysModCount: 3, name: 'Later' });
      const stale = user(2, { sysUpdatedOn: '2026-02-02 00:00:00', sysModCount: 1, name: 'Stale' });
      const outcome = await catalog.storePages([
        page([user(1), user(2, { sysUpdatedOn: '2026-02-02 00:00:00', sysModCount: 1 })]),
        // User 2 again in a newer version (updated while the import ran), then an older one.
        page([user(3, { sysUpdatedOn: '2026-02-03 00:00:00' }), later]),
        page([stale, user(1)]),
      ]);
      expect(outcome).toEqual([
        { inserted: 2, updated: 0, unchanged: 0, cursor: '2026-02-02 00:00:00' },
        { inserted: 1, updated: 1, unchanged: 0, cursor: '2026-02-04 00:00:00' },
        { inserted: 0, updated: 0, unchanged: 2, cursor: '2026-02-04 00:00:00' },
      ]);
      expect((await catalog.getUser(acme, sysId(2)))?.name).toBe('Later');
      expect(await catalog.getCursor(acme, 'sys_user')).toBe('2026-02-04 00:00:00');
      expect((await catalog.tableStates(acme)).find((s) => s.table === 'sys_user')).toMatchObject({ rows: 3 });
      expect(await catalog.storePages([])).toEqual([]);
    });

    it('updates rows newer than the cursor that are already stored (changed, or marked deleted), never inserting them twice', async () => {
      await storeUsers([user(1), user(2), user(3)]);
      const started = new Date(T0.getTime() + 60_000);
      await catalog.completeTable({ connectionId: acme, table: 'sys_user', startedAt: started, full: true, at: started });
      expect((await catalog.tableStates(acme)).find((s) => s.table === 'sys_user')).toMatchObject({ rows: 0, deleted: 3 });
      // Users 1 and 2 come back newer than the cursor (2 changed), user 4 is new; user 3 stays gone.
      const outcome = await catalog.storePages([
        page([user(1, { sysUpdatedOn: '2026-02-05 00:00:00' }), user(2, { sysUpdatedOn: '2026-02-05 00:00:00', sysModCount: 1, name: 'Changed' }), user(4, { sysUpdatedOn: '2026-02-05 00:00:00' })]),
      ]);
      expect(outcome).toEqual([{ inserted: 1, updated: 2, unchanged: 0, cursor: '2026-02-05 00:00:00' }]);
      expect(await catalog.getUser(acme, sysId(2))).toMatchObject({ name: 'Changed', deletedAt: null });
      expect((await catalog.tableStates(acme)).find((s) => s.table === 'sys_user')).toMatchObject({ rows: 3, deleted: 1 });
    });

    it('stores all of the pages or none of them, cursors included', async () => {
      const good = Array.from({ length: 300 }, (_, i) => user(i + 1, { sysUpdatedOn: '2026-02-09 00:00:00' }));
      const bad = [user(500), user(501, { firstName: null as unknown as string })];
      await expect(catalog.storePages([page(good), page(bad)])).rejects.toMatchObject({ message: expect.stringMatching(/NOT NULL|not-null/i) });
      expect((await catalog.tableStates(acme)).find((s) => s.table === 'sys_user')).toMatchObject({ rows: 0, cursor: null });
    });

    it('with more: writes the pages it gives in the same transaction until it gives null, each decided against those before', async () => {
      const queue = [page([user(3, { sysUpdatedOn: '2026-02-03 00:00:00' })]), page([user(1, { sysUpdatedOn: '2026-02-04 00:00:00', sysModCount: 1, name: 'Newer' })])];
      let asked = 0;
      const outcome = await catalog.storePages([page([user(1), user(2)])], async () => {
        asked += 1;
        return queue.shift() ?? null;
      });
      expect(asked).toBe(3);
      expect(outcome).toEqual([
        { inserted: 2, updated: 0, unchanged: 0, cursor: '2026-02-01 00:00:00' },
        { inserted: 1, updated: 0, unchanged: 0, cursor: '2026-02-03 00:00:00' },
        { inserted: 0, updated: 1, unchanged: 0, cursor: '2026-02-04 00:00:00' },
      ]);
      expect((await catalog.getUser(acme, sysId(1)))?.name).toBe('Newer');
      expect(await catalog.getCursor(acme, 'sys_user')).toBe('2026-02-04 00:00:00');
    });

    it('with more: stores nothing of the call when more throws, the pages it began with included', async () => {
      let asked = 0;
      const failing = async () => {
        asked += 1;
        if (asked === 1) return page([user(7, { sysUpdatedOn: '2026-02-07 00:00:00' })]);
        throw new Error('the page could not be read');
      };
      await expect(catalog.storePages([page([user(5), user(6)])], failing)).rejects.toThrow('the page could not be read');
      expect((await catalog.tableStates(acme)).find((s) => s.table === 'sys_user')).toMatchObject({ rows: 0, cursor: null });
    });
  });

  describe('completeTable', () => {
    it('after a full run, marks rows not seen since it started as deleted, and brings one back when it is seen again', async () => {
      await storeUsers([user(1), user(2), user(3)]);
      const started = new Date(T0.getTime() + 60_000);
      const later = new Date(T0.getTime() + 120_000);
      // A full run that sees users 1 and 3 only (user 1 unchanged, user 3 changed).
      await storeUsers([user(1), user(3, { sysModCount: 1, sysUpdatedOn: '2026-02-02 00:00:00' })], { at: later, markSeen: true });
      expect(await catalog.completeTable({ connectionId: acme, table: 'sys_user', startedAt: started, full: true, at: later })).toEqual({ deleted: 1 });
      expect((await catalog.getUser(acme, sysId(2)))?.deletedAt).toEqual(later);
      expect((await catalog.getUser(acme, sysId(1)))?.deletedAt).toBeNull();
      expect(await catalog.findUserByUserName(acme, 'user.2')).toBeUndefined();
      const state = (await catalog.tableStates(acme)).find((s) => s.table === 'sys_user');
      expect(state).toMatchObject({ rows: 2, deleted: 1, lastFullAt: later, lastCompletedAt: later });

      // Seen again (the account may read it again, or it was restored): back, counted as an update.
      expect(await storeUsers([user(2)], { at: later })).toMatchObject({ updated: 1 });
      expect((await catalog.getUser(acme, sysId(2)))?.deletedAt).toBeNull();
    });

    it('marks nothing after an incremental run', async () => {
      await storeUsers([user(1), user(2)]);
      const later = new Date(T0.getTime() + 120_000);
      expect(await catalog.completeTable({ connectionId: acme, table: 'sys_user', startedAt: later, full: false, at: later })).toEqual({ deleted: 0 });
      expect((await catalog.tableStates(acme)).find((s) => s.table === 'sys_user')).toMatchObject({ rows: 2, deleted: 0, lastFullAt: null, lastCompletedAt: later });
    });
  });

  describe('lookups', () => {
    it('finds a user by email or user name regardless of case and spaces, active users first', async () => {
      await storeUsers([
        user(1, { email: 'Shared@Example.com', active: false, sysUpdatedOn: '2026-02-09 00:00:00' }),
        user(2, { email: 'shared@example.com', active: true }),
        user(3, { email: '' }),
      ]);
      expect((await catalog.findUserByEmail(acme, '  SHARED@example.COM '))?.sysId).toBe(sysId(2));
      expect((await catalog.findUserByUserName(acme, 'USER.3'))?.sysId).toBe(sysId(3));
      expect(await catalog.findUserByEmail(acme, '')).toBeUndefined();
    });

    it('lists every CI of a name (names are not unique), newest first; by sys_id even when deleted', async () => {
      await catalog.storePage({
        connectionId: acme,
        page: { table: 'cmdb_ci', records: [ci(1, { name: 'db' }), ci(2, { name: 'DB', className: 'cmdb_ci_appl', sysUpdatedOn: '2026-02-03 00:00:00' }), ci(3)] },
        at: T0,
        markSeen: false,
      });
      expect((await catalog.findCisByName(acme, 'Db')).map((c) => [c.sysId, c.className])).toEqual([
        [sysId(2), 'cmdb_ci_appl'],
        [sysId(1), 'cmdb_ci_server'],
      ]);
      await catalog.completeTable({ connectionId: acme, table: 'cmdb_ci', startedAt: new Date(T0.getTime() + 1), full: true, at: T0 });
      expect(await catalog.findCisByName(acme, 'db')).toEqual([]);
      expect(await catalog.getCi(acme, sysId(1))).toMatchObject({ name: 'db', deletedAt: T0 });
    });

    it("resolves a user's groups and a group's members through the memberships, leaving deleted ones out", async () => {
      await storeUsers([user(1), user(2)]);
      await catalog.storePage({
        connectionId: acme,
        page: {
          table: 'sys_user_group',
          records: [10, 11].map((n) => ({ sysId: sysId(n), sysUpdatedOn: '2026-02-01 00:00:00', sysModCount: 0, name: `Group ${n}`, description: '', email: '', managerSysId: sysId(1), active: true })),
        },
        at: T0,
        markSeen: false,
      });
      const member = (n: number, u: number, g: number) => ({ sysId: sysId(n), sysUpdatedOn: '2026-02-01 00:00:00', sysModCount: 0, userSysId: sysId(u), groupSysId: sysId(g) });
      await catalog.storePage({ connectionId: acme, page: { table: 'sys_user_grmember', records: [member(20, 1, 10), member(21, 1, 11), member(22, 2, 10)] }, at: T0, markSeen: false });
      expect((await catalog.groupsOfUser(acme, sysId(1))).map((g) => g.name)).toEqual(['Group 10', 'Group 11']);
      expect((await catalog.membersOfGroup(acme, sysId(10))).map((u) => u.userName)).toEqual(['user.1', 'user.2']);

      // Membership 21 is gone after a full run that only saw 20 and 22.
      const later = new Date(T0.getTime() + 60_000);
      await catalog.storePage({ connectionId: acme, page: { table: 'sys_user_grmember', records: [member(20, 1, 10), member(22, 2, 10)] }, at: later, markSeen: true });
      await catalog.completeTable({ connectionId: acme, table: 'sys_user_grmember', startedAt: later, full: true, at: later });
      expect((await catalog.groupsOfUser(acme, sysId(1))).map((g) => g.name)).toEqual(['Group 10']);
    });
  });

  describe('import lease', () => {
    const holder = (n: number) => ({ owner: `import-${n}`, host: `replica-${n}`, pid: 1000 + n });
    const after = (ms: number) => new Date(T0.getTime() + ms);

    it('has one holder at a time, and says who holds it and since when', async () => {
      expect(await catalog.takeImportLease(acme, holder(1), T0, after(5_000))).toEqual({ taken: true });
      expect(await catalog.takeImportLease(acme, holder(2), after(1_000), after(6_000))).toEqual({
        taken: false,
        holder: holder(1),
        since: T0,
        until: after(5_000),
      });
      // Another connection's import is not held up.
      expect(await catalog.takeImportLease(await connectionNamed('beta'), holder(2), after(1_000), after(6_000))).toEqual({ taken: true });
      expect(await catalog.renewImportLease(acme, 'import-1', after(9_000))).toBe(true);
      expect(await catalog.takeImportLease(acme, holder(2), after(7_000), after(12_000))).toMatchObject({ taken: false, until: after(9_000) });
      await catalog.releaseImportLease(acme, 'import-2');
      expect(await catalog.takeImportLease(acme, holder(2), after(7_000), after(12_000))).toMatchObject({ taken: false });
      await catalog.releaseImportLease(acme, 'import-1');
      expect(await catalog.takeImportLease(acme, holder(2), after(7_000), after(12_000))).toEqual({ taken: true });
    });

    it('lapses when its holder stops renewing it; the old holder can then no longer renew it', async () => {
      await catalog.takeImportLease(acme, holder(1), T0, after(5_000));
      expect(await catalog.takeImportLease(acme, holder(2), after(5_001), after(10_001))).toEqual({ taken: true });
      expect(await catalog.renewImportLease(acme, 'import-1', after(11_000))).toBe(false);
      expect(await catalog.takeImportLease(acme, holder(1), after(6_000), after(11_000))).toMatchObject({ taken: false, holder: holder(2), since: after(5_001) });
    });

    it('goes to exactly one of several replicas racing for it', async () => {
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => catalog.takeImportLease(acme, holder(n), T0, after(5_000))));
      expect(results.filter((r) => r.taken)).toHaveLength(1);
      const losers = results.filter((r): r is Extract<typeof r, { taken: false }> => !r.taken);
      expect(losers).toHaveLength(4);
      expect(new Set(losers.map((r) => r.holder.owner)).size).toBe(1);
    });

    it('withImportLease refuses a second import while the first runs, and frees the connection when it ends', async () => {
      const connection = { id: acme, name: 'acme' };
      let second: unknown;
      const result = await withImportLease({ catalog, connection }, async () => {
        second = await withImportLease({ catalog, connection }, async () => 'ran').catch((err: unknown) => err);
        return 'first';
      });
      expect(result).toBe('first');
      expect(second).toBeInstanceOf(CatalogImportBusyError);
      expect((second as Error).message).toMatch(new RegExp(`Another replica is importing the catalog of connection "acme": process ${process.pid} on \\S+, since \\d{4}-`));
      expect(await withImportLease({ catalog, connection }, async () => 'again')).toBe('again');
      expect(await store.query('SELECT * FROM catalog_import_leases')).toEqual([]);
    });

    it('withImportLease stops the work when another process took the lease over', async () => {
      const connection = { id: acme, name: 'acme' };
      const run = withImportLease({ catalog, connection, renewMs: 20 }, async (signal) => {
        await store.query("UPDATE catalog_import_leases SET owner = 'import-other'");
        // The renewal may have seen the other owner (and aborted) while the update's answer was on its way.
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        throw signal.reason;
      });
      await expect(run).rejects.toThrow(CatalogImportLeaseLostError);
      // The other holder's lease is left alone.
      expect((await store.query('SELECT owner FROM catalog_import_leases')).map((r) => r.owner)).toEqual(['import-other']);
    });
  });

  it("goes with its connection: deleting the connection deletes its catalog", async () => {
    await storeUsers([user(1), user(2)]);
    expect(await store.deleteConnection('acme')).toBe(true);
    const counts = await Promise.all(['catalog_users', 'catalog_cursors'].map(async (t) => Number((await store.query(`SELECT count(*) AS n FROM ${t}`))[0]!.n)));
    expect(counts).toEqual([0, 0]);
  });
});

describe('statementSizes', () => {
  it('splits any count into statements of at most nine sizes (256 and the powers of two below), adding up to the count', () => {
    const seen = new Set<number>();
    for (let count = 0; count <= 3000; count++) {
      const sizes = statementSizes(count);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(count);
      for (const size of sizes) seen.add(size);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
    expect(statementSizes(500)).toEqual([256, 128, 64, 32, 16, 4]);
  });
});
