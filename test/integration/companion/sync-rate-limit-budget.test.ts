import { SYNC_CLIENT_DEFAULTS } from '../../../src/companion/sync/connection-registry';
import { USERS } from '../../helpers/instance';
import { startPollingFixture, SYNC_TEST_CLIENT, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';

/**
 * One budget per connection: the writes, the reads before them and the poller's reads take their
 * slots from the same budget, paced under the rule the instance's answers name (a
 * sys_rate_limit_rules row on the local instance, with 2-s windows), so a poll made during a write
 * backlog is not refused; and a request refused by a window someone else used up goes first when
 * the window ends, with the read and the write queued meanwhile after it, each sent once.
 */

const WINDOW_SECONDS = 2;
const LIMIT = 6;
let f: SyncFixture;
/** 429 answers of the service account's requests, per "METHOD path" (as the benchmark counts them). */
const refusals = new Map<string, number>();
/** Requests the rule let through, per window start. */
const accepted = new Map<number, number>();

beforeAll(async () => {
  f = await startPollingFixture({
    instance: { rateLimitWindowSeconds: WINDOW_SECONDS },
    // The product's rate-limit settings (pacing and one retry of a refused request at the window's end).
    companion: { pollIntervalMs: 200, sync: { clientOptions: { ...SYNC_TEST_CLIENT, rateLimit: SYNC_CLIENT_DEFAULTS.rateLimit } } },
  });
  const limiter = f.sn.context.rateLimiter;
  const hit = limiter.hit.bind(limiter);
  limiter.hit = (session, method, path) => {
    const decision = hit(session, method, path);
    const key = `${method} ${path}`;
    if (decision?.exceeded) refusals.set(key, (refusals.get(key) ?? 0) + 1);
    else if (decision) accepted.set(decision.resetAt, (accepted.get(decision.resetAt) ?? 0) + 1);
    return decision;
  };
}, 60_000);
afterAll(async () => {
  await f?.close();
});

async function serviceAccountRule(limit: number): Promise<string> {
  const svc = await f.sn.list('sys_user', { sysparm_query: `user_name=${USERS.svc.user}`, sysparm_fields: 'sys_id' });
  const rule = await f.sn.request('POST', '/api/now/table/sys_rate_limit_rules', {
    body: { name: 'the integration, per short window', type: 'user', user: svc.result[0]!.sys_id, rate_limit: limit },
  });
  expect(rule.status).toBe(201);
  return (rule.json as { result: { sys_id: string } }).result.sys_id;
}

const refusedTwice = () => [...refusals].filter(([, n]) => n > 1);

it('paces the writes, their reads and the polls under one budget: a poll during a write backlog is not refused twice', async () => {
  const incidents = [];
  for (let i = 0; i < 8; i++) incidents.push(await f.declare({ name: `Backlog ${i}`, status: 'triage', severity: 'minor' }));
  const watched = await f.declare({ name: 'Changed in ServiceNow during the backlog', status: 'triage', severity: 'minor' });
  for (const incident of [...incidents, watched]) await f.synced(incident.id);
  const ruleId = await serviceAccountRule(LIMIT);
  const patchesBefore = (await f.writes()).patch;

  // 16 requests of writes (a read and a PATCH each) while the poller reads every 200 ms: several
  // windows' worth at 6 a window.
  for (const incident of incidents) expect((await f.api('PATCH', `/api/incidents/${incident.id}`, { name: `${incident.name}, renamed` })).status).toBe(200);
  const sysId = (await f.incident(watched.id)).servicenow!.sys_id;
  await f.patchRecord(sysId, { short_description: 'Renamed in ServiceNow' });

  await waitFor(async () => ((await f.incident(watched.id)).name === 'Renamed in ServiceNow' ? true : undefined), { timeoutMs: 60_000, message: 'the poll to bring the ServiceNow change in' });
  for (const incident of incidents) {
    await waitFor(async () => ((await f.incident(incident.id)).sync.pending_writes === 0 ? true : undefined), { timeoutMs: 60_000, message: `${incident.name} written` });
    expect((await f.record((await f.incident(incident.id)).servicenow!.sys_id, ['short_description'])).short_description).toBe(`${incident.name}, renamed`);
  }
  expect((await f.writes()).patch - patchesBefore).toBe(incidents.length);
  expect(refusedTwice()).toEqual([]);
  // The budget learned the rule from the first answers and kept under it: the instance refused nothing.
  expect([...refusals.values()].reduce((n, c) => n + c, 0)).toBe(0);
  expect(Math.max(...accepted.values())).toBeLessThanOrEqual(LIMIT);
  // It did so by holding requests back, which /metrics shows.
  const waited = (await f.companion.engine.metrics.text()).match(/^incident_sn_servicenow_rate_limit_wait_seconds_total\{connection="local"\} (\S+)$/m);
  expect(Number(waited?.[1])).toBeGreaterThan(0);
  expect((await f.sn.request('DELETE', `/api/now/table/sys_rate_limit_rules/${ruleId}`)).status).toBe(204);
}, 120_000);

it('a request refused because another client used up the window goes first when it ends; a poll and a write queued meanwhile go once each', async () => {
  const renamed = await f.declare({ name: 'Renamed while paused', status: 'triage', severity: 'minor' });
  const watched = await f.declare({ name: 'Changed in ServiceNow while paused', status: 'triage', severity: 'minor' });
  for (const incident of [renamed, watched]) await f.synced(incident.id);
  const watchedSysId = (await f.incident(watched.id)).servicenow!.sys_id;
  const ruleId = await serviceAccountRule(LIMIT);
  const patchesBefore = (await f.writes()).patch;
  /** The other client's requests: the same service account, a path the companion never reads. */
  const OTHER = 'GET /api/now/table/sys_user';
  const companionRefusals = () => [...refusals].filter(([key]) => key !== OTHER);
  refusals.clear();

  for (let round = 1; companionRefusals().length === 0; round++) {
    if (round > 3) throw new Error('the companion was never refused: each window ended before its next request');
    // Early in a window, another client of the same account uses up what is left of it.
    await waitFor(() => Date.now() % (WINDOW_SECONDS * 1000) < 300, { intervalMs: 5, message: 'the start of a window' });
    for (let i = 0; i <= LIMIT; i++) {
      const res = await f.sn.request('GET', '/api/now/table/sys_user', { auth: USERS.svc, query: { sysparm_limit: 1, sysparm_fields: 'sys_id' } });
      if (res.status === 429) break;
    }
    // The poller (every 200 ms) meets the used-up window; a write and a change to poll are queued at once.
    expect((await f.api('PATCH', `/api/incidents/${renamed.id}`, { name: `Renamed while paused, round ${round}` })).status).toBe(200);
    await f.patchRecord(watchedSysId, { short_description: `Changed in ServiceNow while paused, round ${round}` });
    await waitFor(async () => ((await f.incident(renamed.id)).sync.pending_writes === 0 ? true : undefined), { timeoutMs: 30_000, message: 'the write' });
    await waitFor(async () => ((await f.incident(watched.id)).name === `Changed in ServiceNow while paused, round ${round}` ? true : undefined), { timeoutMs: 30_000, message: 'the poll' });
  }
  const rounds = (await f.incident(renamed.id)).name.match(/round (\d+)/)![1];
  expect((await f.record((await f.incident(renamed.id)).servicenow!.sys_id, ['short_description'])).short_description).toBe(`Renamed while paused, round ${rounds}`);
  // Each refused request of the companion was refused once: it went first when the window ended.
  expect(companionRefusals().filter(([, n]) => n > 1)).toEqual([]);
  // One PATCH per rename: the write was sent once after the pause (a refused attempt is not processed).
  expect((await f.writes()).patch - patchesBefore).toBe(Number(rounds));
  expect((await f.sn.request('DELETE', `/api/now/table/sys_rate_limit_rules/${ruleId}`)).status).toBe(204);
}, 120_000);
