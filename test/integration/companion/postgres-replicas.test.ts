import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import type { RunningCompanion } from '../../../src/companion/server';
import { openPostgresStore, SECRET_KEY_ENV, SecretKeyError } from '../../../src/companion/store';
import { MAX_SENDS_PER_CONNECTION } from '../../../src/companion/store/sync-store';
import { freePort, startTestCluster, type TestCluster } from '../../../fixtures/postgres-cluster';
import { createTestDatabase, openTestStore, TEST_SECRET_KEY, type TestDatabase } from '../../helpers/store-backends';
import { testConnectionInput } from '../../helpers/sync-store-fixture';
import { companionFor, startPollingFixture, API_KEY, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';

/**
 * The companion on PostgreSQL: the start-up refusals (unreachable server, another replica's key),
 * replicas starting together, two replicas sharing the work of one database, and a database lost
 * and back while a replica runs.
 */

const OTHER_KEY = Buffer.alloc(32, 9).toString('base64');
const BIN = path.resolve(__dirname, '../../../bin/incident-sn.js');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('starting on PostgreSQL', () => {
  it('an unreachable server: serve exits non-zero with an error naming the host, and no password', async () => {
    const port = await freePort();
    const result = await run(['serve', '--port', '0', '--database-url', `postgres://svc:hunter2-secret@127.0.0.1:${port}/companion`], {
      [SECRET_KEY_ENV]: TEST_SECRET_KEY,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Cannot reach PostgreSQL at 127.0.0.1:${port}`);
    expect(result.stderr + result.stdout).not.toContain('hunter2-secret');
  });

  it('without INCIDENT_SN_SECRET_KEY: refused, saying every replica needs the same one', async () => {
    await expect(openPostgresStore({ url: 'postgres://u@127.0.0.1:1/x', env: {} })).rejects.toThrow(/INCIDENT_SN_SECRET_KEY is not set.*same key/);
  });

  describe('on one database', () => {
    let database: TestDatabase;
    beforeEach(async () => {
      database = await createTestDatabase();
    });
    afterEach(async () => {
      await database.drop();
    });

    it('replicas starting at once apply each migration once, under the migration lock', async () => {
      const stores = await Promise.all([1, 2, 3].map(() => openTestStore('postgres', { dir: '', database })));
      await Promise.all(stores.map((s) => s.close()));
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const rows = (await client.query<{ name: string; n: string }>('SELECT name, count(*) AS n FROM kysely_migration GROUP BY name ORDER BY name')).rows;
        expect(rows.map((r) => r.name)).toContain('0008-create-store-settings');
        expect(rows.every((r) => r.n === '1')).toBe(true);
      } finally {
        await client.end();
      }
    });

    it('a replica with another key refuses to start and overwrites nothing', async () => {
      const first = await openTestStore('postgres', { dir: '', database });
      await first.saveConnection(testConnectionInput());
      await first.close();

      const attempt = openTestStore('postgres', { dir: '', database, env: { [SECRET_KEY_ENV]: OTHER_KEY } });
      await expect(attempt).rejects.toBeInstanceOf(SecretKeyError);
      await expect(attempt).rejects.toThrow(/sealed with key [0-9a-f]{16}, but this process was given key [0-9a-f]{16}.*same INCIDENT_SN_SECRET_KEY.*nothing was changed/);

      const again = await openTestStore('postgres', { dir: '', database });
      try {
        const stored = await again.getConnection('acme');
        expect(stored?.clientSecret.reveal()).toBe('s');
        expect(stored?.signingSecret?.reveal()).toBe('k');
      } finally {
        await again.close();
      }
    });

    it('two replicas claiming at once never get the same event, and each incident stays in order', async () => {
      const a = await openTestStore('postgres', { dir: '', database });
      const b = await openTestStore('postgres', { dir: '', database });
      try {
        const { connection } = await a.saveConnection(testConnectionInput());
        const t0 = new Date('2026-01-01T00:00:00.000Z');
        for (let i = 0; i < 40; i++) {
          const sysId = `s${i % 8}`;
          await a.sync.inbound.record({
            connectionId: connection.id,
            eventId: `e${i}`,
            source: 'push',
            type: 'incident.updated',
            incidentSysId: sysId,
            sequence: i,
            orderKey: String(i).padStart(4, '0'),
            occurredAt: t0,
            receivedAt: t0,
            payload: { i },
          });
        }
        const now = new Date(t0.getTime() + 1000);
        const finished: string[] = [];
        const worker = async (store: typeof a, owner: string) => {
          for (;;) {
            const claimed = await store.sync.inbound.claim({ owner, now, leaseMs: 60_000 });
            if (!claimed) {
              if (finished.length === 40) return;
              await new Promise((r) => setTimeout(r, 5));
              continue;
            }
            finished.push(claimed.eventId);
            expect(await store.sync.inbound.finish(claimed.id, owner, 'applied', now)).toBe(true);
          }
        };
        await Promise.all([worker(a, 'a1'), worker(a, 'a2'), worker(b, 'b1'), worker(b, 'b2')]);
        expect([...finished].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `e${i}`).sort());
        for (let lane = 0; lane < 8; lane++) {
          const order = finished.filter((id) => Number(id.slice(1)) % 8 === lane).map((id) => Number(id.slice(1)));
          expect(order).toEqual([...order].sort((x, y) => x - y));
        }
      } finally {
        await a.close();
        await b.close();
      }
    });

    it(`three replicas claiming at once never have more than ${MAX_SENDS_PER_CONNECTION} writes in flight to one connection`, async () => {
      const stores = await Promise.all([1, 2, 3].map(() => openTestStore('postgres', { dir: '', database })));
      try {
        const { connection } = await stores[0]!.saveConnection(testConnectionInput());
        const t0 = new Date('2026-01-01T00:00:00.000Z');
        for (let i = 0; i < 30; i++) {
          await stores[0]!.sync.incidents.insertIncident({ id: `i${i}`, referenceNumber: i + 1, connectionId: connection.id, name: 'x', summary: '', status: 'triage', severity: 'minor', lead: null, createdAt: t0, updatedAt: t0 });
          await stores[0]!.sync.outbound.enqueue({ incidentId: `i${i}`, connectionId: connection.id, kind: 'create', payload: {}, createdAt: t0 });
        }
        const now = new Date(t0.getTime() + 1000);
        // Rounds: everyone claims at once; at most the limit is out; they finish; again.
        let done = 0;
        for (let round = 0; done < 30 && round < 30; round++) {
          const claims = (await Promise.all(stores.flatMap((s, r) => [0, 1, 2, 3].map((w) => s.sync.outbound.claim({ owner: `r${r}w${w}`, now, leaseMs: 60_000 }))))).filter((c) => c !== undefined);
          expect(claims.length).toBeLessThanOrEqual(MAX_SENDS_PER_CONNECTION);
          expect(claims.length).toBeGreaterThan(0);
          const counts = await stores[1]!.sync.outbound.countByState();
          expect(counts.sending).toBeLessThanOrEqual(MAX_SENDS_PER_CONNECTION);
          for (const c of claims) expect(await stores[2]!.sync.outbound.complete(c.id, c.leaseOwner!, { modCount: 1, status: 201, at: now })).toBe(true);
          done += claims.length;
        }
        expect(done).toBe(30);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    // The PostgreSQL fault suite once ended with a push's severity in incident.io over a responder's
    // later re-set of it, kept only in the queued write: the two transactions overlapped, and the
    // store ran them READ COMMITTED (its opener's `backend` label overwrote the store's settings).
    it("a push's apply and a responder's re-set of the same field overlap: they end as if one ran after the other", async () => {
      const a = await openTestStore('postgres', { dir: '', database });
      const b = await openTestStore('postgres', { dir: '', database });
      try {
        const { connection } = await a.saveConnection(testConnectionInput());
        const t0 = new Date('2026-01-01T00:00:00.000Z');
        await a.sync.incidents.insertIncident({ id: 'i1', referenceNumber: 1, connectionId: connection.id, name: 'x', summary: '', status: 'triage', severity: 'minor', lead: null, createdAt: t0, updatedAt: t0 });
        const op = await a.sync.outbound.enqueue({ incidentId: 'i1', connectionId: connection.id, kind: 'update', payload: { fields: { name: { value: 'y', changedAt: t0.toISOString(), basis: { serviceNowModCount: 1, incidentVersion: 1 } } } }, createdAt: t0 });
        let release!: () => void;
        const responderRead = new Promise<void>((resolve) => (release = resolve));
        let runs = 0;
        // The apply (a push saying major): reads the incident and its open writes, waits for the responder
        // to read, then takes major unless an open write sets the severity (a later incident.io change).
        const apply = a.sync.transaction(async (tx) => {
          runs += 1;
          const incident = (await tx.incidents.getIncident('i1'))!;
          const open = await tx.outbound.listOpen('i1');
          await responderRead;
          if (open.some((o) => o.payload.fields?.severity !== undefined)) return;
          if (!(await tx.incidents.updateIncident('i1', incident.version, { severity: 'major' }, t0))) throw new Error('version moved');
        });
        // The responder sets minor: the incident changes unless it is minor already; the write is queued either way.
        await b.sync.transaction(async (tx) => {
          runs += 1;
          const incident = (await tx.incidents.getIncident('i1'))!;
          release();
          await new Promise((resolve) => setTimeout(resolve, 200));
          if (incident.severity !== 'minor' && !(await tx.incidents.updateIncident('i1', incident.version, { severity: 'minor' }, t0))) throw new Error('version moved');
          const fields = { ...op.payload.fields, severity: { value: 'minor', changedAt: new Date(t0.getTime() + 1000).toISOString(), basis: { serviceNowModCount: 1, incidentVersion: 1 } } };
          expect(await tx.outbound.replacePendingPayload(op.id, { fields }, t0)).toBe(true);
        });
        await apply;
        // In either order one after the other, the responder's minor is the incident's and the queued write's.
        expect((await a.sync.incidents.getIncident('i1'))!.severity).toBe('minor');
        expect((await a.sync.outbound.listOpen('i1'))[0]!.payload.fields?.severity?.value).toBe('minor');
        expect(runs).toBeGreaterThan(2);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('transactions about one incident take turns across replicas: the second sees the first one committed and runs once; other incidents do not wait', async () => {
      const a = await openTestStore('postgres', { dir: '', database });
      const b = await openTestStore('postgres', { dir: '', database });
      try {
        const { connection } = await a.saveConnection(testConnectionInput());
        const t0 = new Date('2026-01-01T00:00:00.000Z');
        for (const id of ['t1', 't2']) {
          await a.sync.incidents.insertIncident({ id, referenceNumber: id === 't1' ? 101 : 102, connectionId: connection.id, name: 'x', summary: '', status: 'triage', severity: 'minor', lead: null, createdAt: t0, updatedAt: t0 });
        }
        let entered!: () => void;
        const firstInside = new Promise<void>((resolve) => (entered = resolve));
        let finishFirst!: () => void;
        const firstMayFinish = new Promise<void>((resolve) => (finishFirst = resolve));
        const order: string[] = [];
        const first = a.sync.transaction(
          async (tx) => {
            const incident = (await tx.incidents.getIncident('t1'))!;
            entered();
            await firstMayFinish;
            expect(await tx.incidents.updateIncident('t1', incident.version, { severity: 'major' }, t0)).toBe(true);
            order.push('first');
          },
          { incident: 't1' },
        );
        await firstInside;
        // Another replica's transaction about the same incident, begun while the first holds it.
        const seen: string[] = [];
        const second = b.sync.transaction(
          async (tx) => {
            const incident = (await tx.incidents.getIncident('t1'))!;
            seen.push(incident.severity);
            expect(await tx.incidents.updateIncident('t1', incident.version, { severity: 'critical' }, t0)).toBe(true);
            order.push('second');
          },
          { incident: () => Promise.resolve('t1') },
        );
        // One about another incident runs to its end while the first still holds t1.
        await b.sync.transaction(
          async (tx) => {
            const incident = (await tx.incidents.getIncident('t2'))!;
            expect(await tx.incidents.updateIncident('t2', incident.version, { severity: 'major' }, t0)).toBe(true);
            order.push('other incident');
          },
          { incident: 't2' },
        );
        finishFirst();
        await Promise.all([first, second]);
        expect(order).toEqual(['other incident', 'first', 'second']);
        // It began after the first committed: one run, which saw major (no conflict, nothing run again).
        expect(seen).toEqual(['major']);
        expect((await a.sync.incidents.getIncident('t1'))!.severity).toBe('critical');
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('writes queued at once for different incidents on two replicas do not wait for or abort each other (the queue numbers come from a sequence)', async () => {
      const a = await openTestStore('postgres', { dir: '', database });
      const b = await openTestStore('postgres', { dir: '', database });
      try {
        const { connection } = await a.saveConnection(testConnectionInput());
        const t0 = new Date('2026-01-01T00:00:00.000Z');
        for (const [id, ref] of [['q1', 201], ['q2', 202]] as const) {
          await a.sync.incidents.insertIncident({ id, referenceNumber: ref, connectionId: connection.id, name: 'x', summary: '', status: 'triage', severity: 'minor', lead: null, createdAt: t0, updatedAt: t0 });
        }
        const queue = (incidentId: string) => ({ incidentId, connectionId: connection.id, kind: 'note' as const, payload: { note: { updateId: incidentId, body: 'b' } }, createdAt: t0 });
        let queued!: () => void;
        const firstQueued = new Promise<void>((resolve) => (queued = resolve));
        let secondDone!: () => void;
        const secondFinished = new Promise<void>((resolve) => (secondDone = resolve));
        const runs = { first: 0, second: 0 };
        const first = a.sync.transaction(
          async (tx) => {
            runs.first += 1;
            await tx.outbound.enqueue(queue('q1'));
            queued();
            // Held open until the other replica's write is in (or, if it waits on this one, for half a second).
            await Promise.race([secondFinished, new Promise((resolve) => setTimeout(resolve, 500))]);
          },
          { incident: 'q1' },
        );
        await firstQueued;
        await b.sync.transaction(
          async (tx) => {
            runs.second += 1;
            await tx.outbound.enqueue(queue('q2'));
          },
          { incident: 'q2' },
        );
        secondDone();
        await first;
        expect(runs).toEqual({ first: 1, second: 1 });
        const seqs = [...(await a.sync.outbound.listOpen('q1')), ...(await a.sync.outbound.listOpen('q2'))].map((o) => o.seq);
        expect(new Set(seqs).size).toBe(2);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('transactions from two replicas that conflict are run again, not lost: every reference number is taken once', async () => {
      const a = await openTestStore('postgres', { dir: '', database });
      const b = await openTestStore('postgres', { dir: '', database });
      try {
        const take = (s: typeof a) => s.sync.transaction((tx) => tx.incidents.nextReferenceNumber());
        const numbers = await Promise.all(Array.from({ length: 30 }, (_, i) => take(i % 2 === 0 ? a : b)));
        expect(new Set(numbers).size).toBe(30);
        expect(Math.max(...numbers)).toBe(30);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});

async function creates(companion: RunningCompanion): Promise<number> {
  const metric = await companion.engine.metrics.apiCalls.get();
  return metric.values
    .filter((v) => v.labels.method === 'POST' && v.labels.route === '/api/now/table/incident' && /^2\d\d$/.test(String(v.labels.status)))
    .reduce((n, v) => n + v.value, 0);
}

describe('two replicas and a database that goes away', () => {
  let cluster: TestCluster;
  let f: SyncFixture;
  let second: RunningCompanion | undefined;

  beforeAll(async () => {
    // Its own cluster: this test stops and starts the server, which the run's shared one must not.
    cluster = await startTestCluster();
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    await client.query('CREATE DATABASE companion');
    await client.end();
    const url = cluster.url.replace(/\/postgres$/, '/companion');
    f = await startPollingFixture({ databaseUrl: url });
    second = await companionFor(f.data.db, { pollIntervalMs: 100 }, url);
  }, 60_000);
  afterAll(async () => {
    await second?.close().catch(() => undefined);
    await f?.close();
    cluster?.stop();
  });

  it('both replicas share the work; while the database is gone /healthz and webhooks answer 503; back, it resumes by itself', async () => {
    const api = (base: string, method: string, route: string, body?: unknown) =>
      fetch(`${base}${route}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await api(i % 2 === 0 ? f.companion.url : second!.url, 'POST', '/api/incidents', { name: `Replica ${i}`, severity: 'minor' });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    for (const id of ids) await f.synced(id);
    // Exactly one create per incident, whichever replica sent it.
    expect((await creates(f.companion)) + (await creates(second!))).toBe(6);

    cluster.stopServer();
    const health = await waitFor(async () => {
      const res = await fetch(`${second!.url}/healthz`);
      return res.status === 503 ? res : undefined;
    }, { message: '/healthz to answer 503', timeoutMs: 20_000 });
    expect(health.status).toBe(503);
    const push = await fetch(`${second!.url}/webhooks/servicenow/not-stored-yet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(push.status).toBe(503);
    expect(push.headers.get('retry-after')).toBe('5');

    cluster.startServer();
    await waitFor(async () => (await fetch(`${second!.url}/healthz`)).status === 200, { message: '/healthz to be 200 again', timeoutMs: 20_000 });
    const after = await api(second!.url, 'POST', '/api/incidents', { name: 'After the outage', severity: 'major' });
    expect(after.status).toBe(201);
    await f.synced(((await after.json()) as { id: string }).id);
    const unknown = await fetch(`${second!.url}/webhooks/servicenow/not-stored-yet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unknown.status).toBe(404);
  });
});
