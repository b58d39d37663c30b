import { execFile } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { runImportCatalog, type ImportCatalogDeps } from '../../../src/companion/catalog';
import { openSqliteStore } from '../../../src/companion/store';
import { seedEdits } from '../../../src/instance';
import { companionFor, spreadUpdatedOn, startCatalogInstance, TEST_CLIENT, type CatalogCompanion } from '../../helpers/catalog-fixture';
import { captureIo, tempDataDir } from '../../helpers/command-io';
import type { TestInstance } from '../../helpers/instance';

/**
 * `incident-sn import-catalog` as a command: plain lines off a terminal, bars on one, only JSON
 * with --json, exit statuses, the messages for a missing connection, a refused table and an
 * interrupted run, and the real binary.
 */

const ROOT = path.resolve(__dirname, '../../..');
const execFileAsync = promisify(execFile);

let sn: TestInstance | undefined;
let companion: CatalogCompanion | undefined;

afterEach(async () => {
  await companion?.close();
  await sn?.close();
  companion = undefined;
  sn = undefined;
});

/** An instance with the default seed and a stored connection to it (the command opens the database itself). */
async function connected(): Promise<CatalogCompanion> {
  const instance = await startCatalogInstance();
  sn = instance;
  spreadUpdatedOn(instance);
  const c = await companionFor(instance);
  companion = c;
  await c.store.close();
  return c;
}

function deps(extra: ImportCatalogDeps = {}): ImportCatalogDeps {
  return { connectionOptions: TEST_CLIENT, ...extra };
}

describe('import-catalog off a terminal', () => {
  it('prints a line per stored page, a line per table and the summary; exits 0', async () => {
    const c = await connected();
    const io = captureIo();
    const outcome = await runImportCatalog({ db: c.db }, io, deps({ pageSize: 4 }));
    expect(io.err()).toBe('');
    expect(outcome.exitCode).toBe(0);
    const lines = io.out().split('\n');
    const cmdb = lines.filter((l) => l.includes('cmdb_ci:'));
    expect(cmdb).toEqual([
      'cmdb_ci: reading every row (10 to read)',
      'cmdb_ci: 4 fetched, 4 stored',
      'cmdb_ci: 8 fetched, 8 stored',
      'cmdb_ci: 10 fetched, 10 stored',
      expect.stringMatching(/^✔ cmdb_ci: 10 fetched: 10 new, 0 updated, 0 unchanged, 0 deleted \(\d+\.\d s\)$/),
    ]);
    expect(lines).toContain('sys_user_grmember: 7 fetched, 7 stored');
    expect(io.out()).toMatch(/Catalog imported for "local" \(incremental\) in \d+\.\d s:/);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}table +fetched +inserted +updated +unchanged +deleted +status$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}sys_user +10 +10 +0 +0 +0 +ok$/));

    // A re-run reads only the window: one row per table here.
    const again = captureIo();
    await runImportCatalog({ db: c.db }, again, deps());
    expect(again.out()).toMatch(/^cmdb_ci: reading rows changed since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(1 to read\)$/m);
    expect(again.out()).toMatch(/^ {2}cmdb_ci +1 +0 +0 +1 +0 +ok$/m);
  });

  it('with --json prints only the summary, as JSON', async () => {
    const c = await connected();
    const io = captureIo();
    const outcome = await runImportCatalog({ db: c.db, json: true, full: true }, io, deps());
    expect(outcome.exitCode).toBe(0);
    expect(io.err()).toBe('');
    const summary = JSON.parse(io.out()) as { connection: string; mode: string; ok: boolean; durationMs: number; tables: Array<Record<string, unknown>> };
    expect(summary).toMatchObject({ connection: 'local', mode: 'full', ok: true });
    expect(summary.durationMs).toBeGreaterThanOrEqual(0);
    expect(summary.tables.map((t) => [t.table, t.fetched, t.inserted, t.deleted, t.status])).toEqual([
      ['cmdb_ci', 10, 10, 0, 'ok'],
      ['cmdb_ci_service', 3, 3, 0, 'ok'],
      ['sys_user', 10, 10, 0, 'ok'],
      ['sys_user_group', 4, 4, 0, 'ok'],
      ['sys_user_grmember', 7, 7, 0, 'ok'],
    ]);
  });

  it('says to run incident-sn connect first when no connection is stored (exit 2)', async () => {
    const data = tempDataDir();
    try {
      const io = captureIo();
      expect((await runImportCatalog({ db: data.db }, io, deps())).exitCode).toBe(2);
      expect(io.err()).toMatch(/^✘ No connection is stored in .*companion\.db: run incident-sn connect first\.\n$/);
      expect(io.out()).toBe('');

      const json = captureIo();
      expect((await runImportCatalog({ db: data.db, name: 'acme', json: true }, json, deps())).exitCode).toBe(2);
      expect(JSON.parse(json.out())).toEqual({
        error: { code: 'connection_not_found', message: expect.stringContaining('No connection named "acme"') },
      });
    } finally {
      data.remove();
    }
  });

  it('refuses while another replica imports the same connection (exit 2, naming it), and imports once its claim has lapsed', async () => {
    const c = await connected();
    const store = await openSqliteStore({ file: c.db, env: {} });
    try {
      const connection = (await store.getConnection('local'))!;
      const other = { owner: 'import-other', host: 'replica-b', pid: 4242 };
      const since = new Date();
      await store.catalog.takeImportLease(connection.id, other, since, new Date(since.getTime() + 5_000));
      const io = captureIo();
      expect((await runImportCatalog({ db: c.db }, io, deps())).exitCode).toBe(2);
      expect(io.err()).toBe(
        `✘ Another replica is importing the catalog of connection "local": process 4242 on replica-b, since ${since.toISOString()}. ` +
          'One import per connection runs at a time: wait for it to finish, then run incident-sn import-catalog again (it reads only ' +
          `what changed). If that process has stopped, its claim lapses by ${new Date(since.getTime() + 5_000).toISOString()}.\n`,
      );
      expect(io.out()).toBe('');
      expect(await store.catalog.tableStates(connection.id)).toEqual(expect.arrayContaining([expect.objectContaining({ table: 'cmdb_ci', rows: 0 })]));

      // The other process died: its claim is not renewed and runs out.
      await store.catalog.takeImportLease(connection.id, other, since, new Date(Date.now() - 1));
      const later = captureIo();
      expect((await runImportCatalog({ db: c.db }, later, deps())).exitCode).toBe(0);
      expect(later.out()).toMatch(/Catalog imported for "local"/);
    } finally {
      await store.close();
    }
  });

  it('exits 1 with the missing role when tables are refused, after importing the others', async () => {
    const instance = await startCatalogInstance({ seed: (s) => seedEdits.addUser(s, { user_name: 'cmdb.reader', password: 'reader-password', roles: ['cmdb_read'] }) });
    sn = instance;
    const c = await companionFor(instance, { user: 'cmdb.reader', password: 'reader-password' });
    companion = c;
    await c.store.close();
    const io = captureIo();
    const outcome = await runImportCatalog({ db: c.db }, io, deps());
    expect(outcome.exitCode).toBe(1);
    expect(io.out()).toContain('✘ sys_user: stopped (catalog_access_denied)');
    expect(io.out()).toMatch(/Catalog import incomplete for "local"/);
    expect(io.out()).toMatch(/^ {2}cmdb_ci +10 +10 +0 +0 +0 +ok$/m);
    expect(io.out()).toMatch(/^ {2}sys_user +0 +0 +0 +0 +0 +failed \(catalog_access_denied\)$/m);
    const refusals = io.err().trim().split('\n');
    expect(refusals).toHaveLength(3);
    expect(refusals[0]).toMatch(/^✘ The service account may not read sys_user .* lacks the role sn_cmdb_user: grant it sn_cmdb_user as setup guide step 3 says/);
  });

  it('stops when interrupted, keeps the pages stored, and says to run it again (exit 1)', async () => {
    const c = await connected();
    const abort = new AbortController();
    const io = captureIo();
    const outcome = await runImportCatalog(
      { db: c.db },
      io,
      deps({
        pageSize: 4,
        signal: abort.signal,
        // Ctrl-C while the first page of cmdb_ci is on its way.
        connectionOptions: { ...TEST_CLIENT, onResponse: (e) => e.path === '/api/now/table/cmdb_ci' && abort.abort() },
      }),
    );
    expect(outcome.exitCode).toBe(1);
    expect(io.err()).toContain(
      '✘ The import was interrupted while reading cmdb_ci. Everything stored before this is kept: run incident-sn import-catalog again to continue from where it stopped.',
    );
    const store = await openSqliteStore({ file: c.db, env: {} });
    try {
      const states = await store.catalog.tableStates(c.connection.id);
      expect(states.map((s) => s.rows)).toEqual([4, 0, 0, 0, 0]);
    } finally {
      await store.close();
    }
  });
});

describe('import-catalog on a terminal', () => {
  it('draws a bar per table on the terminal and prints only the summary on stdout', async () => {
    const c = await connected();
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 160 });
    let drawn = '';
    terminal.on('data', (chunk: Buffer) => (drawn += chunk.toString('utf8')));
    const io = captureIo();
    const outcome = await runImportCatalog({ db: c.db }, io, deps({ terminal }));
    expect(outcome.exitCode).toBe(0);
    for (const [table, n] of [
      ['cmdb_ci', 10],
      ['cmdb_ci_service', 3],
      ['sys_user', 10],
      ['sys_user_group', 4],
      ['sys_user_grmember', 7],
    ] as const) {
      expect(drawn).toMatch(new RegExp(`${table} +[█░]+ ${n}/${n} · ${n} fetched, ${n} stored · ✔ ${n} new, 0 updated, 0 deleted`));
    }
    expect(io.out()).not.toContain('fetched,');
    expect(io.out()).toMatch(/^Catalog imported for "local"/);
  });
});

describe('the incident-sn binary', () => {
  it('runs import-catalog with --json and exits 0', async () => {
    const c = await connected();
    const result = await execFileAsync(process.execPath, [path.join(ROOT, 'bin/incident-sn.js'), 'import-catalog', '--db', c.db, '--json'], {
      cwd: c.dir,
      env: { PATH: process.env.PATH ?? '', HOME: c.dir },
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    const summary = JSON.parse(result.stdout) as { ok: boolean; tables: Array<{ table: string; inserted: number }> };
    expect(summary.ok).toBe(true);
    expect(summary.tables.map((t) => t.inserted)).toEqual([10, 3, 10, 4, 7]);
  });
});
