import { USERS } from '../../helpers/instance';
import { startPollingFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';

/**
 * Polling under a rate limit: a poll refused with 429 pauses the connection in the database, as a
 * write's 429 does; while it is paused it polls once per probe interval (not every poll interval), and
 * the poll that passes after the rule is deleted ends the pause and brings the change in.
 */

const PROBE_MS = 1_000;
let f: SyncFixture;

beforeAll(async () => {
  f = await startPollingFixture({ companion: { pollIntervalMs: 100, sync: { timings: { rateLimitProbeMs: PROBE_MS } } } });
}, 60_000);
afterAll(async () => {
  await f?.close();
});

/** Every call the instance refused with 429. */
const limited = (calls: Record<string, number>) => Object.entries(calls).filter(([key]) => key.endsWith(' 429')).reduce((n, [, count]) => n + count, 0);

it('a refused poll pauses the connection; only probes poll until the limit is lifted, then the change comes in', async () => {
  const declared = await f.declare({ name: 'Polled under a limit', status: 'triage', severity: 'minor' });
  const linked = await f.synced(declared.id);

  const svc = await f.sn.list('sys_user', { sysparm_query: `user_name=${USERS.svc.user}`, sysparm_fields: 'sys_id' });
  const rule = await f.sn.request('POST', '/api/now/table/sys_rate_limit_rules', {
    body: { name: 'no incident reads for the integration', type: 'user', user: svc.result[0]!.sys_id, rate_limit: 0, rest_api: '/api/now/table/incident' },
  });
  expect(rule.status).toBe(201);
  const ruleId = (rule.json as { result: { sys_id: string } }).result.sys_id;

  const pause = await waitFor(async () => (await f.companion.store.sync.pauses.list())[0], { message: 'the connection paused by a refused poll' });
  expect(pause).toMatchObject({ connectionId: f.connection.id });
  expect(pause.retryAfterSeconds).toBeGreaterThan(0);
  // Polls every 100 ms would be refused about 30 times in 3 s; as probes (one a second) each is one refusal, recorded.
  const probed = await waitFor(async () => {
    const now = (await f.companion.store.sync.pauses.list())[0]!;
    return now.hits >= 3 ? now : undefined;
  }, { timeoutMs: 15_000, message: 'two more probes' });
  expect(limited(await f.calls())).toBe(probed.hits);

  // Changed in ServiceNow while limited; the admin deletes the rule: the next probe's poll passes.
  await f.patchRecord(linked.servicenow!.sys_id, { short_description: 'Changed while limited' });
  expect((await f.sn.request('DELETE', `/api/now/table/sys_rate_limit_rules/${ruleId}`)).status).toBe(204);
  await waitFor(async () => (await f.companion.store.sync.pauses.list()).length === 0, { timeoutMs: 15_000, message: 'the pause to end' });
  await waitFor(async () => ((await f.incident(declared.id)).name === 'Changed while limited' ? true : undefined), { timeoutMs: 15_000, message: 'the change polled in' });
}, 60_000);
