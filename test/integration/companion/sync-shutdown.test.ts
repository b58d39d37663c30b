import { startCompanion, type RunningCompanion } from '../../../src/companion/server';
import { openSqliteStore } from '../../../src/companion/store';
import { silentLogger } from '../../../src/shared/logger';
import { API_KEY, startPollingFixture, SYNC_TEST_CLIENT, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';

/**
 * Stopping the companion while a write is on its way to ServiceNow: close() stops accepting
 * requests, gives the send a grace period, then aborts it and gives the write back; the next
 * companion on the same database sends it again without creating a second record.
 */

let f: SyncFixture;
let second: RunningCompanion | undefined;

beforeAll(async () => {
  // The instance takes 1.5 s over each incident request; an unanswered write waits 2.5 s before it is looked up.
  f = await startPollingFixture({ companion: { shutdownGraceMs: 100, sync: { unansweredGraceMs: 2_500 } } });
});
afterAll(async () => {
  await second?.close();
  await f?.close();
});

it('a create interrupted by shutdown is given back and finished by the next companion, once', async () => {
  const url = f.companion.url;
  await f.sn.request('PUT', '/api/now/local/faults', { body: { table: { latencyMs: 1_500, tables: ['incident'] } } });
  const declared = await f.declare({ name: 'Interrupted create', severity: 'minor' });
  await waitFor(async () => (await f.companion.store.sync.outbound.listOpen(declared.id))[0]?.state === 'sending', { message: 'the create to be in flight' });

  await f.companion.close();
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  const [op] = await (async () => {
    const store = await openSqliteStore({ file: f.data.db, env: {} });
    try {
      return await store.sync.outbound.listForIncident(declared.id);
    } finally {
      await store.close();
    }
  })();
  expect(op).toMatchObject({ kind: 'create', state: 'pending', ambiguous: true, leaseOwner: null });
  expect(op!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 1_000);

  await f.sn.request('DELETE', '/api/now/local/faults');
  second = await startCompanion({
    storeFile: f.data.db,
    env: {},
    port: 0,
    apiKey: API_KEY,
    logger: silentLogger(),
    pollIntervalMs: 100,
    sync: { clientOptions: SYNC_TEST_CLIENT, idleMs: 50, defaultMetrics: false, unansweredGraceMs: 2_500 },
  });
  const view = await waitFor(
    async () => {
      const res = await fetch(`${second!.url}/api/incidents/${declared.id}`, { headers: { authorization: `Bearer ${API_KEY}` } });
      const body = (await res.json()) as { servicenow: { sys_id: string } | null; sync: { pending_writes: number } };
      return body.servicenow && body.sync.pending_writes === 0 ? body : undefined;
    },
    { message: 'the next companion to finish the create' },
  );
  const records = await f.sn.list('incident', { sysparm_query: `correlation_id=${declared.id}`, sysparm_fields: 'sys_id' });
  expect(records.result).toEqual([{ sys_id: view.servicenow!.sys_id }]);
  const writes = (await second.engine.metrics.outboundWrites.get()).values.filter((v) => v.labels.kind === 'create');
  expect(writes.map((v) => [v.labels.result, v.value]).filter(([, n]) => Number(n) > 0)).toEqual([['adopted', 1]]);
});
