import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type { Connection } from '../../../../src/companion/store';
import { DEFAULT_MAPPING } from '../../../../src/companion/sync/mapping';
import { SyncEngine } from '../../../../src/companion/sync/sync-engine';
import { syncTimings, SyncTimingsError } from '../../../../src/companion/sync/sync-timings';
import { silentLogger } from '../../../../src/shared/logger';
import { tempDataDir } from '../../../helpers/command-io';
import { openTestStore, STORE_BACKENDS, type TestStore } from '../../../helpers/store-backends';
import { insertTestIncident, saveTestConnection } from '../../../helpers/sync-store-fixture';
import { waitFor } from '../../../helpers/wait-for';

/**
 * Leases that notice a dead owner in seconds: every process registers and heartbeats; each beat
 * renews its leases (so a live send is never taken over); a silent owner's leases run out
 * staleAfterMs after its last beat; a restarted companion frees a dead process's work at once.
 */

let data: ReturnType<typeof tempDataDir>;
let store: TestStore;
let connection: Connection;
const T0 = new Date('2026-05-01T08:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function queueWork(): Promise<void> {
  await store.sync.outbound.enqueue({ incidentId: 'inc-1', connectionId: connection.id, kind: 'note', payload: { note: { updateId: 'u1', body: 'hello' } }, createdAt: T0 });
  await store.sync.inbound.record({
    connectionId: connection.id,
    eventId: 'e1',
    source: 'push',
    type: 'incident.journal',
    incidentSysId: 'unknown-record',
    sequence: 1,
    orderKey: '0000000001.2.000000000000000',
    occurredAt: T0,
    receivedAt: T0,
    payload: {
      type: 'incident.journal',
      sequence: 1,
      occurredAt: T0.toISOString(),
      changedFields: [],
      record: { sysId: 'unknown-record', number: '', modCount: 0, updatedAt: T0.toISOString(), updatedBy: 'itil.user', active: true, correlationId: null, snapshot: {} },
      journal: { sysId: 'j1', element: 'comments', value: 'hi', author: 'itil.user', createdAt: T0.toISOString() },
    },
  });
}

describe('one settings object', () => {
  it('derives every lease from staleAfterMs and refuses settings where one late heartbeat would lose live work', () => {
    expect(syncTimings()).toMatchObject({ heartbeatMs: 1_000, staleAfterMs: 5_000, rateLimitProbeMs: 30_000, unansweredGraceMs: 60_000 });
    expect(() => syncTimings({ heartbeatMs: 1_000, staleAfterMs: 1_500 })).toThrow(SyncTimingsError);
    expect(() => syncTimings({ idleMs: -1 })).toThrow(/idleMs must be a positive number/);
  });
});

describe.each(STORE_BACKENDS)('on %s', (backend) => {
  beforeEach(async () => {
    data = tempDataDir();
    store = await openTestStore(backend, { dir: data.dir });
    connection = await saveTestConnection(store);
    await insertTestIncident(store, { id: 'inc-1', connectionId: connection.id, at: T0 });
  });
  afterEach(async () => {
    await store.close();
    data.remove();
  });

  describe('heartbeats and reclaiming (store)', () => {
    it('each heartbeat extends the owner\'s leases, so a live owner keeps its work however long it takes', async () => {
      await queueWork();
      const stale = 5_000;
      await store.sync.owners.register({ id: 'A', host: 'h', pid: 1, startedAt: T0 });
      const op = await store.sync.outbound.claim({ owner: 'A', now: at(0), leaseMs: stale });
      const ev = await store.sync.inbound.claim({ owner: 'A', now: at(0), leaseMs: stale });
      expect(op && ev).toBeTruthy();
      for (let t = 1_000; t <= 60_000; t += 1_000) {
        expect(await store.sync.owners.heartbeat('A', at(t), at(t + stale))).toBe(true);
        expect(await store.sync.outbound.claim({ owner: 'B', now: at(t + 500), leaseMs: stale })).toBeUndefined();
        expect(await store.sync.inbound.claim({ owner: 'B', now: at(t + 500), leaseMs: stale })).toBeUndefined();
      }
      // A stops beating at 60 s: its work is free 5 s later, to the millisecond.
      expect(await store.sync.outbound.claim({ owner: 'B', now: at(64_999), leaseMs: stale })).toBeUndefined();
      const taken = await store.sync.outbound.claim({ owner: 'B', now: at(65_000), leaseMs: stale });
      expect(taken).toMatchObject({ id: op!.id, leaseOwner: 'B', attempts: 2 });
      expect(await store.sync.outbound.complete(op!.id, 'A', { modCount: 1, status: 200, at: at(65_001) })).toBe(false);
    });

    it('reclaim frees a dead owner\'s events and writes at once (writes marked ambiguous: they may have been sent) and removes it', async () => {
      await queueWork();
      await store.sync.owners.register({ id: 'dead', host: 'h', pid: 1, startedAt: T0 });
      await store.sync.outbound.claim({ owner: 'dead', now: at(0), leaseMs: 5_000 });
      await store.sync.inbound.claim({ owner: 'dead', now: at(0), leaseMs: 5_000 });
      await store.sync.cursors.claim(connection.id, 'incident', { owner: 'dead', now: at(0), leaseMs: 5_000 });
      expect(await store.sync.owners.reclaim('dead', at(100))).toEqual({ inbound: 1, outbound: 1 });
      expect((await store.sync.owners.list()).map((o) => o.id)).toEqual([]);
      const op = await store.sync.outbound.claim({ owner: 'B', now: at(100), leaseMs: 5_000 });
      expect(op).toMatchObject({ ambiguous: true, attempts: 2 });
      expect(await store.sync.inbound.claim({ owner: 'B', now: at(100), leaseMs: 5_000 })).toMatchObject({ eventId: 'e1' });
      expect(await store.sync.cursors.claim(connection.id, 'incident', { owner: 'B', now: at(100), leaseMs: 5_000 })).toBeDefined();
      expect(await store.sync.owners.heartbeat('dead', at(200), at(5_200))).toBe(false);
    });
  });

  describe('the engine', () => {
    function engine(clock: () => Date = () => new Date()): SyncEngine {
      return new SyncEngine({ store, mapping: DEFAULT_MAPPING, logger: silentLogger(), clock, defaultMetrics: false, timings: { heartbeatMs: 100, staleAfterMs: 1_000 } });
    }

    it('frees, when it starts, the work of a process on this host whose PID is gone, without waiting for its lease', async () => {
      await queueWork();
      const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
      const now = new Date();
      await store.sync.owners.register({ id: 'crashed', host: os.hostname(), pid: deadPid, startedAt: now });
      // Leases that would last an hour: only the dead PID can free them now.
      await store.sync.outbound.claim({ owner: 'crashed', now, leaseMs: 3_600_000 });
      await store.sync.inbound.claim({ owner: 'crashed', now, leaseMs: 3_600_000 });
      const sync = engine();
      sync.start();
      try {
        await sync.whenStarted();
        expect((await store.sync.owners.list()).map((o) => o.id)).toEqual([sync.owner]);
        // Freed and taken again by the new process (the write fails: nothing listens on port 9, and it is retried).
        await waitFor(async () => {
          const [op] = await store.sync.outbound.listForIncident('inc-1');
          return op!.ambiguous && op!.leaseOwner !== 'crashed';
        });
        await waitFor(async () => (await store.sync.inbound.get(connection.id, 'e1'))?.state === 'done');
      } finally {
        await sync.stop(100);
      }
      expect(await store.sync.owners.list()).toEqual([]);
    });

    it('leaves a live owner\'s work alone, and takes an owner\'s work once it has been silent for staleAfterMs', async () => {
      await queueWork();
      const now = new Date();
      await store.sync.owners.register({ id: 'elsewhere', host: 'another-host', pid: 1, startedAt: now });
      await store.sync.inbound.claim({ owner: 'elsewhere', now, leaseMs: 1_000 });
      // The other host keeps beating for a while: its event stays with it.
      const sync = engine();
      sync.start();
      try {
        await sync.whenStarted();
        for (let i = 0; i < 5; i++) {
          const beat = new Date();
          await store.sync.owners.heartbeat('elsewhere', beat, new Date(beat.getTime() + 1_000));
          await new Promise((resolve) => setTimeout(resolve, 200));
          expect((await store.sync.inbound.get(connection.id, 'e1'))?.leaseOwner).toBe('elsewhere');
        }
        await waitFor(async () => (await store.sync.inbound.get(connection.id, 'e1'))?.state === 'done', { timeoutMs: 10_000 });
        // The silent owner is removed by a heartbeat of the live one.
        await waitFor(async () => (await store.sync.owners.list()).map((o) => o.id).join() === sync.owner, { timeoutMs: 10_000 });
      } finally {
        await sync.stop(100);
      }
    });
  });
});
