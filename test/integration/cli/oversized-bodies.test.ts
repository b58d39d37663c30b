import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { startCompanion, type RunningCompanion } from '../../../src/companion/server';
import { openSqliteStore, Secret, type SqliteCompanionStore } from '../../../src/companion/store';
import { silentLogger } from '../../../src/shared/logger';
import { ROOT } from '../../helpers/build';
import { tempDataDir } from '../../helpers/command-io';
import { closedPort } from '../../helpers/connect-fixture';
import { postPush, pushBodyFor, signedPush } from '../../helpers/sync-pushes';
import { waitFor } from '../../helpers/wait-for';

// Bounds at the door. Every body over a route's limit gets that route's answer (413 from the
// companion; the local instance answers as ServiceNow does), never a reset: the servers run as
// their real binaries in their own processes, as a client on another process meets them (in one
// process the race that resets the connection never shows). And a push whose numbers are out of
// bounds is refused before anything is stored.

jest.setTimeout(120_000);

const BIN = path.join(ROOT, 'bin/incident-sn.js');
const MiB = 1024 * 1024;

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function serve(args: string[], pattern: RegExp): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, INCIDENT_SN_API_KEY: '', INCIDENT_SN_SECRET_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const m = await waitFor(() => pattern.exec(output), { timeoutMs: 60_000, message: `${args[0]} to listen` }).catch((err: Error) => {
    throw new Error(`${err.message}; its output:\n${output}`);
  });
  return {
    url: m[1]!,
    stop: () => {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      return exited;
    },
  };
}

type Framing = 'content-length' | 'chunked';

/** Sends `size` bytes as fast as the socket takes them; the status and body, or the socket error the client saw. */
function post(url: string, method: string, size: number, framing: Framing): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
    if (framing === 'content-length') headers['content-length'] = size;
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    const chunk = Buffer.alloc(256 * 1024, 'x');
    let sent = 0;
    const write = (): void => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

const SIZES_MIB = [2, 5, 12, 30];
const FRAMINGS: Framing[] = ['content-length', 'chunked'];

describe('oversized bodies get an answer, never a reset', () => {
  it('the companion (incident-sn serve): 413 on the webhook and every incident API route, 2 to 30 MiB, with a length or chunked', async () => {
    const data = tempDataDir();
    const companion = await serve(['serve', '--db', data.db, '--port', '0'], /listening on (http:\/\/\S+)/);
    try {
      const routes: Array<[string, string]> = [
        ['POST', '/webhooks/servicenow/local'],
        ['POST', '/api/incidents'],
        ['PATCH', '/api/incidents/01ABCDEF'],
        ['POST', '/api/incidents/01ABCDEF/updates'],
      ];
      const seen: string[] = [];
      for (const [method, route] of routes) {
        for (const framing of FRAMINGS) {
          for (const mib of SIZES_MIB) {
            const res = await post(`${companion.url}${route}`, method, mib * MiB, framing);
            const code = 'status' in res ? `${res.status} ${(JSON.parse(res.body) as { error: { code: string } }).error.code}` : `reset (${res.error})`;
            seen.push(`${method} ${route} ${framing} ${mib} MiB: ${code}`);
          }
        }
      }
      expect(seen.filter((line) => !line.endsWith(': 413 body_too_large'))).toEqual([]);
      expect(seen).toHaveLength(routes.length * FRAMINGS.length * SIZES_MIB.length);
      // The server is fine afterwards.
      expect((await fetch(`${companion.url}/healthz`)).status).toBe(200);
    } finally {
      expect(await companion.stop()).toBe(0);
      data.remove();
    }
  });

  it('the local instance (incident-sn instance): its Table API answers 12 and 30 MiB as ServiceNow does (400 "Rejected large REST payload")', async () => {
    const instance = await serve(['instance', '--db', ':memory:', '--port', '0', '--workers', '0', '--log-level', 'warn'], /Local ServiceNow instance: (http:\/\/\S+)/);
    try {
      const seen: string[] = [];
      for (const framing of FRAMINGS) {
        for (const mib of [12, 30]) {
          const res = await post(`${instance.url}/api/now/table/incident`, 'POST', mib * MiB, framing);
          const answer = 'status' in res ? `${res.status} ${(JSON.parse(res.body) as { error: { detail: string } }).error.detail.slice(0, 27)}` : `reset (${res.error})`;
          seen.push(`${framing} ${mib} MiB: ${answer}`);
        }
      }
      expect(seen.filter((line) => !line.endsWith(': 400 Rejected large REST payload'))).toEqual([]);
      expect(seen).toHaveLength(4);
    } finally {
      await instance.stop();
    }
  });
});

describe('a push with numbers out of bounds', () => {
  let data: ReturnType<typeof tempDataDir>;
  let store: SqliteCompanionStore;
  let companion: RunningCompanion;
  const secret = crypto.randomBytes(32).toString('base64');

  beforeAll(async () => {
    data = tempDataDir();
    store = await openSqliteStore({ file: data.db, env: {} });
    await store.saveConnection({
      name: 'acme',
      instanceUrl: `http://127.0.0.1:${await closedPort()}`,
      mode: 'realtime',
      clientId: 'c',
      clientSecret: new Secret('s'),
      username: 'svc',
      password: new Secret('p'),
      publicUrl: 'http://127.0.0.1:3000',
      signingSecret: new Secret(secret),
      integrationUser: 'svc',
    });
    companion = await startCompanion({ store, port: 0, apiKey: null, logger: silentLogger(), shutdownGraceMs: 200, sync: { defaultMetrics: false } });
  });
  afterAll(async () => {
    await companion?.close();
    await store?.close();
    data?.remove();
  });

  it('is refused with 400 when signed (sys_mod_count 1e308 would make every later event of the incident look stale), and nothing is stored', async () => {
    const record = { sys_id: 'a'.repeat(32), number: 'INC0010042', short_description: 'Bounds' };
    const event = pushBodyFor(record, { sequence: 7, changedFields: ['short_description'] });
    (event.incident as { sys_mod_count: number }).sys_mod_count = 1e308;
    const refusedPush = await postPush(companion.url, 'acme', signedPush(secret, event));
    expect(refusedPush.status).toBe(400);
    expect(refusedPush.body).toMatchObject({ error: { code: 'invalid_schema', details: expect.arrayContaining(['/incident/sys_mod_count must be <= 9007199254740991']) } });

    const huge = pushBodyFor(record, { sequence: 1e308, changedFields: ['short_description'] });
    expect((await postPush(companion.url, 'acme', signedPush(secret, huge))).status).toBe(400);

    // The same push within bounds is stored: the refusal was the bound, not the setup.
    const fine = pushBodyFor(record, { sequence: 7, changedFields: ['short_description'] });
    expect(await postPush(companion.url, 'acme', signedPush(secret, fine))).toMatchObject({ status: 200, body: { status: 'stored' } });
    const connection = await store.getConnection('acme');
    const stored = await store.sync.inbound.listForIncident(connection!.id, record.sys_id);
    expect(stored.map((e) => e.eventId)).toEqual([fine.event_id]);
  });
});
