import { startCompanion, type RunningCompanion } from '../../../src/companion/server';
import { silentLogger } from '../../../src/shared/logger';
import { USERS } from '../../helpers/instance';
import { API_KEY, CONNECTION, startRealtimeFixture, SYNC_TEST_CLIENT, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';

/**
 * A rate limit on the service account (a sys_rate_limit_rules row on the local instance, per clock
 * hour, so Retry-After is up to an hour): the connection is paused in the database, shown in
 * /healthz and /metrics, kept across a restart, probed with one write at a time, and the backlog
 * moves as soon as the rule is deleted — long before Retry-After.
 */

const PROBE_MS = 1_500;
let f: SyncFixture;
let second: RunningCompanion | undefined;

beforeAll(async () => {
  f = await startRealtimeFixture({ companion: { sync: { timings: { rateLimitProbeMs: PROBE_MS } } } });
}, 60_000);
afterAll(async () => {
  await second?.close().catch(() => undefined);
  await f?.close();
});

/** Every call the instance refused with 429. */
const limited = (calls: Record<string, number>) => Object.entries(calls).filter(([key]) => key.endsWith(' 429')).reduce((n, [, count]) => n + count, 0);

it('pauses on 429 in the database, probes one write at a time, survives a restart, and resumes within a probe of the lift', async () => {
  const declared = await f.declare({ name: 'Rate limited', status: 'triage', severity: 'minor' });
  const linked = await f.synced(declared.id);
  const sysId = linked.servicenow!.sys_id;

  const svc = await f.sn.list('sys_user', { sysparm_query: `user_name=${USERS.svc.user}`, sysparm_fields: 'sys_id' });
  const rule = await f.sn.request('POST', '/api/now/table/sys_rate_limit_rules', {
    body: { name: 'no incident calls for the integration', type: 'user', user: svc.result[0]!.sys_id, rate_limit: 0, rest_api: '/api/now/table/incident' },
  });
  expect(rule.status).toBe(201);
  const ruleId = (rule.json as { result: { sys_id: string } }).result.sys_id;

  await f.api('PATCH', `/api/incidents/${declared.id}`, { name: 'Rate limited, renamed' });
  const pause = await waitFor(async () => (await f.companion.store.sync.pauses.list())[0], { message: 'the connection paused' });
  expect(pause).toMatchObject({ connectionId: f.connection.id, hits: 1 });
  expect(pause.retryAfterSeconds).toBeGreaterThan(0);
  expect(pause.nextProbeAt.getTime() - pause.since.getTime()).toBeLessThanOrEqual(PROBE_MS);

  // More work while paused: it waits; only probes reach the instance, one per refusal recorded.
  await f.api('PATCH', `/api/incidents/${declared.id}`, { summary: 'still limited' });
  const other = await f.declare({ name: 'Declared while limited', status: 'triage', severity: 'minor' });
  const health = await f.api<{ status: string; rate_limited: Array<{ connection: string; next_probe_at: string; retry_after_seconds: number }> }>('GET', '/healthz');
  expect(health.status).toBe(200);
  expect(health.body.rate_limited).toEqual([expect.objectContaining({ connection: CONNECTION, retry_after_seconds: pause.retryAfterSeconds })]);
  const metrics = await f.companion.engine.metrics.text();
  expect(metrics).toMatch(new RegExp(`incident_sn_connection_rate_limited\\{connection="${CONNECTION}"\\} 1`));
  expect(metrics).toMatch(new RegExp(`incident_sn_connection_rate_limit_seconds\\{connection="${CONNECTION}",kind="next_probe"\\}`));
  const probed = await waitFor(async () => {
    const now = (await f.companion.store.sync.pauses.list())[0]!;
    return now.hits >= 3 ? now : undefined;
  }, { timeoutMs: 15_000, message: 'two more probes' });
  expect(limited(await f.calls())).toBe(probed.hits);

  // Restart: the new process starts paused (no burst of writes at start).
  await f.companion.close();
  second = await startCompanion({
    storeFile: f.data.db,
    env: {},
    port: 0,
    apiKey: API_KEY,
    logger: silentLogger(),
    sync: { clientOptions: SYNC_TEST_CLIENT, idleMs: 50, defaultMetrics: false, timings: { rateLimitProbeMs: PROBE_MS } },
  });
  const afterRestart = await fetch(`${second.url}/healthz`).then((r) => r.json() as Promise<{ rate_limited: Array<{ connection: string; since: string }> }>);
  expect(afterRestart.rate_limited).toEqual([expect.objectContaining({ connection: CONNECTION, since: pause.since.toISOString() })]);
  const hitsAtRestart = (await second.store.sync.pauses.list())[0]!.hits;
  await waitFor(async () => ((await second!.store.sync.pauses.list())[0]?.hits ?? 0) > hitsAtRestart, { timeoutMs: 15_000, message: 'a probe after the restart' });
  expect((await second.store.sync.outbound.countByState()).pending).toBeGreaterThan(0);

  // The admin deletes the rule: the next probe passes and the backlog moves.
  expect((await f.sn.request('DELETE', `/api/now/table/sys_rate_limit_rules/${ruleId}`)).status).toBe(204);
  await waitFor(async () => (await second!.store.sync.pauses.list()).length === 0, { timeoutMs: 15_000, message: 'the pause to end' });
  await waitFor(
    async () => {
      const counts = await second!.store.sync.outbound.countByState();
      return counts.pending + counts.sending === 0;
    },
    { timeoutMs: 15_000, message: 'the backlog to move' },
  );
  expect(await f.record(sysId, ['short_description', 'description'])).toMatchObject({ short_description: 'Rate limited, renamed', description: 'still limited' });
  const created = await fetch(`${second.url}/api/incidents/${other.id}`, { headers: { authorization: `Bearer ${API_KEY}` } }).then((r) => r.json() as Promise<{ servicenow: { sys_id: string } | null }>);
  expect(created.servicenow).not.toBeNull();
  // The refused write kept its place at the head of the queue: every probe was the rename (refused
  // each time), and the create queued during the pause was sent once, after it, at the first try.
  const rename = (await second.store.sync.outbound.listForIncident(declared.id)).filter((op) => op.kind === 'update').sort((a, b) => a.seq - b.seq)[0];
  const create = (await second.store.sync.outbound.listForIncident(other.id)).find((op) => op.kind === 'create');
  expect(rename!.attempts).toBeGreaterThan(2);
  expect(create!.attempts).toBe(1);
  expect(create!.completedAt!.getTime()).toBeGreaterThanOrEqual(rename!.completedAt!.getTime());
}, 90_000);
