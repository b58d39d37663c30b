import { API_KEY, companionFor, startRealtimeFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { USERS } from '../../helpers/instance';
import { waitFor } from '../../helpers/wait-for';
import type { IncidentView } from '../../../src/companion/server/incident-view';
import type { RunningCompanion } from '../../../src/companion/server/start-companion';

/**
 * The catch-up (sync/outbox-catch-up.ts): changes the app could not push (the companion down or
 * unreachable) are read from its outbox, at the companion's start and every outboxCatchUpMs after,
 * instead of waiting for the app's retries. The local instance runs the app's real build; its
 * outbound HTTP fails every request, and the fixture holds the app's retry job, so no push is
 * delivered during this test: every change that arrives came through the outbox.
 */

jest.setTimeout(90_000);

let f: SyncFixture;
let restarted: RunningCompanion | undefined;

beforeAll(async () => {
  // The first companion never reads the outbox after its first pass (at start, when nothing is owed).
  f = await startRealtimeFixture({ companion: { sync: { timings: { outboxCatchUpMs: 3_600_000 } } } });
});
afterAll(async () => {
  await restarted?.close();
  await f?.sn.request('DELETE', '/api/now/local/faults');
  await f?.close();
});

async function viewOn(companion: RunningCompanion, id: string): Promise<IncidentView> {
  const res = await fetch(`${companion.url}/api/incidents/${id}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  if (res.status !== 200) throw new Error(`GET incident ${id}: ${res.status}`);
  return (await res.json()) as IncidentView;
}

async function outboxOf(sysId: string): Promise<Array<Record<string, string>>> {
  const res = await f.sn.list('x_incident_io_outbound_event', { sysparm_query: `incident_sys_id=${sysId}^ORDERBYorder_key`, sysparm_fields: 'sys_id,event_id,state' });
  return res.result as Array<Record<string, string>>;
}

async function outboxReads(companion: RunningCompanion): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const v of (await companion.engine.metrics.eventsReceived.get()).values) {
    if (v.labels.source !== 'outbox') continue;
    counts[String(v.labels.result)] = (counts[String(v.labels.result)] ?? 0) + v.value;
  }
  return counts;
}

it("a restarted companion reads what the app could not push, failed and dead alike, at once; later ones every outboxCatchUpMs", async () => {
  const first = await f.declare({ name: 'Checkout errors', severity: 'minor', status: 'investigating' });
  const second = await f.declare({ name: 'Search is slow', severity: 'minor', status: 'investigating' });
  const firstSysId = (await f.synced(first.id)).servicenow!.sys_id;
  const secondSysId = (await f.synced(second.id)).servicenow!.sys_id;
  const delivered = (await outboxOf(firstSysId)).length + (await outboxOf(secondSysId)).length;

  // 1. The app's pushes fail from now on; a ServiceNow user renames both incidents.
  expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 1 } } })).status).toBe(200);
  await f.patchRecord(firstSysId, { short_description: 'Checkout errors (EU)' }, USERS.itil);
  await f.patchRecord(firstSysId, { short_description: 'Checkout errors (EU only)' }, USERS.itil);
  await f.patchRecord(secondSysId, { short_description: 'Search is slow (index rebuild)' }, USERS.itil);
  const owed = async () => [...(await outboxOf(firstSysId)), ...(await outboxOf(secondSysId))].filter((e) => e.state !== 'delivered');
  // A send that fails ends the app's round, so the other event may stay queued (for the held retry job).
  await waitFor(async () => {
    const rows = await owed();
    return rows.length === 3 && rows.some((e) => e.state === 'failed') && rows.every((e) => e.state === 'failed' || e.state === 'queued');
  }, { message: 'the pushes to fail' });
  // One of them ran out of attempts: the app never sends a dead event again.
  const dead = (await outboxOf(secondSysId)).find((e) => e.state !== 'delivered')!;
  f.sn.engine.update('x_incident_io_outbound_event', dead.sys_id!, { state: 'dead' });

  // 2. The companion is restarted (same database): its first pass reads all three, one a request
  // (each incident's in its order, paged by incident and order key), then an empty page.
  await f.companion.close();
  restarted = await companionFor(f.data.db, { sync: { timings: { outboxCatchUpMs: 500 }, outboxCatchUpPageSize: 1 } });
  const companion = restarted;
  await waitFor(async () => (await viewOn(companion, first.id)).name === 'Checkout errors (EU only)', { message: 'the failed push to be read from the outbox' });
  await waitFor(async () => (await viewOn(companion, second.id)).name === 'Search is slow (index rebuild)', { message: 'the dead push to be read from the outbox' });
  expect((await outboxReads(companion)).stored).toBe(3);
  const reads = async () =>
    (await companion.engine.metrics.apiCalls.get()).values.filter((v) => v.labels.method === 'GET' && String(v.labels.route).includes('x_incident_io_outbound_event')).reduce((n, v) => n + v.value, 0);
  // The pass ends with its empty page: read after the last row is stored (and, a quiet push being
  // applied as it is stored, possibly after the views show the changes).
  await waitFor(async () => (await reads()) >= 4, { message: 'the first pass to read its empty page' });

  // 3. A change the app fails to push while the companion runs arrives with the next pass.
  await f.patchRecord(firstSysId, { short_description: 'Checkout errors (all regions)' }, USERS.itil);
  await waitFor(async () => (await viewOn(companion, first.id)).name === 'Checkout errors (all regions)', { message: 'the next pass to read the failed push' });
  expect((await outboxReads(companion)).stored).toBe(4);

  // The app delivered none of them: each came through the outbox, and each was stored once.
  expect((await owed()).length).toBe(4);
  const all = [...(await outboxOf(firstSysId)), ...(await outboxOf(secondSysId))];
  expect(all.filter((e) => e.state === 'delivered')).toHaveLength(delivered);
  const events = await companion.store.sync.inbound.listForIncident(f.connection.id, firstSysId);
  const fromOutbox = events.filter((e) => all.some((row) => row.event_id === e.eventId && row.state !== 'delivered'));
  expect(fromOutbox.map((e) => e.state)).toEqual(['done', 'done', 'done']);
});
