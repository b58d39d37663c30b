import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_CATALOG_PAGE_SIZE, DEFAULT_MAX_ROWS_PER_COMMIT, DEFAULT_ROWS_PER_COMMIT } from '../../../src/companion/catalog/import-catalog';
import { formatServiceNowTime } from '../../../src/companion/catalog/paging';
import { openSqliteStore, Secret } from '../../../src/companion/store';
import { ROOT } from '../../helpers/build';
import { waitFor } from '../../helpers/wait-for';
import { tempDataDir } from '../../helpers/command-io';
import { startCatalogInstance } from '../../helpers/catalog-fixture';
import { OAUTH_CLIENT, USERS, type TestInstance } from '../../helpers/instance';

/**
 * `incident-sn import-catalog` as its own process, killed with SIGKILL in the middle of the CMDB,
 * then run again: the store is intact, each stored transaction of pages came with its cursor, and the re-run
 * brings in every CI the first run did not store, exactly once (none written twice, none missed).
 * The importer commits with `synchronous = NORMAL` (see CommitDurability): that must not cost a row.
 */

const BIN = path.join(ROOT, 'bin/incident-sn.js');
/** The CLI's page size. */
const PAGE_SIZE = DEFAULT_CATALOG_PAGE_SIZE;
/** Pages a transaction begins with (pages are held until they hold DEFAULT_ROWS_PER_COMMIT rows). */
const PAGES_PER_COMMIT = Math.max(1, Math.ceil(DEFAULT_ROWS_PER_COMMIT / PAGE_SIZE));
/** The most pages one transaction holds (it takes pages arriving while it is open, up to DEFAULT_MAX_ROWS_PER_COMMIT rows). */
const MOST_PAGES_PER_COMMIT = Math.max(PAGES_PER_COMMIT, Math.floor(DEFAULT_MAX_ROWS_PER_COMMIT / PAGE_SIZE));
/**
 * The importer is killed when it asks for this page of cmdb_ci (the ones before it were answered).
 * It asks for a page before it stores it, and one transaction holds at most MOST_PAGES_PER_COMMIT
 * pages: killed when it asks for the page after those and one more, it has committed at least one
 * transaction, and may be in another.
 */
const KILL_AT_PAGE = MOST_PAGES_PER_COMMIT + 2;
/** Enough CIs that the table goes on past the page the importer is killed at. */
const BULK = (KILL_AT_PAGE + 1) * PAGE_SIZE;
const CMDB_PATH = '/api/now/table/cmdb_ci';

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function importCatalog(db: string): Run {
  const env = { ...process.env };
  // The store's key is the file next to the database; nothing else may point elsewhere.
  delete env.INCIDENT_SN_SECRET_KEY;
  delete env.INCIDENT_SN_DB;
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [BIN, 'import-catalog', '--db', db, '--name', 'local', '--json'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/**
 * A pass-through proxy in front of the instance that, while `killOnPage` is set, kills `victim` when
 * it asks for that page of the CMDB (and never answers that request).
 */
async function startProxy(target: string) {
  const state: { victim: ChildProcess | null; killOnPage: number | null; cmdbRequests: number } = { victim: null, killOnPage: null, cmdbRequests: 0 };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === CMDB_PATH) {
      state.cmdbRequests += 1;
      if (state.killOnPage !== null && state.cmdbRequests === state.killOnPage) {
        state.victim?.kill('SIGKILL');
        req.socket.destroy();
        return;
      }
    }
    const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function insertBulkCis(sn: TestInstance): void {
  const start = sn.engine.now() - 86_400_000;
  sn.engine.transaction(() => {
    for (let i = 0; i < BULK; i++) {
      sn.engine.insert(
        'cmdb_ci_server',
        { name: `kill-${String(i).padStart(5, '0')}`, sys_updated_on: formatServiceNowTime(start + i * 1000) },
        { runBusinessRules: false, allowSystemFields: true },
      );
    }
  });
}

interface StoredCi {
  sys_id: string;
  sys_updated_on: string;
  name: string;
}

/** When the dead importer's lease lapses (it is renewed every second while the import runs). */
function leaseUntil(file: string): number | null {
  const db = new Database(file, { readonly: true });
  try {
    const row = db.prepare('SELECT until FROM catalog_import_leases').get() as { until: string } | undefined;
    return row ? Date.parse(row.until) : null;
  } finally {
    db.close();
  }
}

function readCatalog(file: string): { cis: StoredCi[]; cursor: string | null; integrity: string } {
  const db = new Database(file, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const cis = db.prepare('SELECT sys_id, sys_updated_on, name FROM catalog_cis WHERE deleted_at IS NULL').all() as StoredCi[];
    const row = db.prepare("SELECT updated_on FROM catalog_cursors WHERE source_table = 'cmdb_ci'").get() as { updated_on: string | null } | undefined;
    return { cis, cursor: row?.updated_on ?? null, integrity };
  } finally {
    db.close();
  }
}

let sn: TestInstance;
let proxy: Awaited<ReturnType<typeof startProxy>>;
let data: ReturnType<typeof tempDataDir>;
const runs: Run[] = [];

beforeAll(async () => {
  sn = await startCatalogInstance();
  insertBulkCis(sn);
  proxy = await startProxy(sn.url);
  data = tempDataDir();
  const store = await openSqliteStore({ file: data.db, env: {} });
  try {
    await store.saveConnection({
      name: 'local',
      instanceUrl: proxy.url,
      mode: 'polling',
      clientId: OAUTH_CLIENT.id,
      clientSecret: new Secret(OAUTH_CLIENT.secret),
      username: USERS.svc.user,
      password: new Secret(USERS.svc.password),
      publicUrl: 'http://127.0.0.1:3000',
      signingSecret: null,
      integrationUser: USERS.svc.user,
    });
  } finally {
    await store.close();
  }
});

afterAll(async () => {
  for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await proxy?.close();
  await sn?.close();
  data?.remove();
});

it('a killed import-catalog leaves whole pages with their cursor, and a re-run stores every missing CI exactly once', async () => {
  const onInstance = new Map(sn.engine.query('cmdb_ci').records.map((r) => [r.sysId, r.values.sys_updated_on ?? '']));
  expect(onInstance.size).toBeGreaterThan(BULK);

  // First run: killed when it asks for page KILL_AT_PAGE (the pages before it were answered; the
  // last of them may have been mid-commit).
  const killed = importCatalog(data.db);
  runs.push(killed);
  proxy.state.victim = killed.child;
  proxy.state.killOnPage = KILL_AT_PAGE;
  const firstExit = await killed.exited;
  expect({ ...firstExit, output: firstExit.signal === 'SIGKILL' ? '' : killed.output() }).toEqual({ code: null, signal: 'SIGKILL', output: '' });
  expect(proxy.state.cmdbRequests).toBe(KILL_AT_PAGE);

  // What the kill left: a sound file, whole pages of whole transactions only (at least one, none
  // of a page not yet answered), and the cursor of the last stored page.
  const afterKill = readCatalog(data.db);
  expect(afterKill.integrity).toBe('ok');
  const kept = afterKill.cis.length;
  expect(kept % PAGE_SIZE).toBe(0);
  expect(kept).toBeGreaterThanOrEqual(PAGES_PER_COMMIT * PAGE_SIZE);
  expect(kept).toBeLessThanOrEqual((KILL_AT_PAGE - 1) * PAGE_SIZE);
  expect(kept).toBeLessThan(onInstance.size);
  const newestKept = afterKill.cis.map((c) => c.sys_updated_on).sort().at(-1);
  expect(afterKill.cursor).toBe(newestKept);
  for (const ci of afterKill.cis) expect(ci.sys_updated_on).toBe(onInstance.get(ci.sys_id));

  // Second run, once the dead importer's lease has lapsed: goes on from the cursor (minus the
  // overlap window) and finishes.
  const until = leaseUntil(data.db);
  expect(until).not.toBeNull();
  await waitFor(() => Date.now() > until!, { timeoutMs: 30_000, intervalMs: 100, message: "the killed importer's lease to lapse" });
  proxy.state.killOnPage = null;
  const rerun = importCatalog(data.db);
  runs.push(rerun);
  const secondExit = await rerun.exited;
  expect({ ...secondExit, output: secondExit.code === 0 ? '' : rerun.output() }).toEqual({ code: 0, signal: null, output: '' });
  const summary = JSON.parse(rerun.output()) as { ok: boolean; tables: Array<{ table: string; mode: string; inserted: number; updated: number; unchanged: number; fetched: number }> };
  expect(summary.ok).toBe(true);
  const cmdb = summary.tables.find((t) => t.table === 'cmdb_ci')!;
  // Every CI the first run did not store is stored now, once; none it stored is written again.
  expect(cmdb).toMatchObject({ mode: 'incremental', inserted: onInstance.size - kept, updated: 0 });
  // It did not read the CMDB again from the start: only the overlap window before the cursor.
  expect(cmdb.fetched).toBe(cmdb.inserted + cmdb.unchanged);
  expect(cmdb.fetched).toBeLessThan(onInstance.size);

  const final = readCatalog(data.db);
  expect(final.integrity).toBe('ok');
  expect(final.cis).toHaveLength(onInstance.size);
  expect(new Set(final.cis.map((c) => c.sys_id))).toEqual(new Set(onInstance.keys()));
  for (const ci of final.cis) expect(ci.sys_updated_on).toBe(onInstance.get(ci.sys_id));
  expect(final.cursor).toBe([...onInstance.values()].sort().at(-1));
}, 180_000);
