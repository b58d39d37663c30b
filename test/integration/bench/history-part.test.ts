import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, runOrder } from '../../../bench/lib/history-ratio';
import { startPart, type Part } from '../../../bench/lib/part';
import { CONNECTION_NAME } from '../../../bench/fixtures/accounts';
import { openSqliteStore } from '../../../src/companion/store';
import { saveTestConnection } from '../../helpers/sync-store-fixture';

/**
 * The history of `ingest_after_history_ratio`: the seeder (its own process, on a real SQLite file)
 * marks done only the events it stored, and leaves a store at rest (WAL emptied); the runs on the
 * two stores alternate ABBA.
 */

let part: Part | null = null;
let dir = '';

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-history-'));
});
afterEach(async () => {
  await part?.stop(5_000);
  part = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ingest after history (bench)', () => {
  it('seeds finished events of one incident and leaves a real pending push of that incident pending', async () => {
    const storeFile = path.join(dir, 'companion.db');
    const store = await openSqliteStore({ file: storeFile, env: {} });
    const connection = await saveTestConnection(store, { name: CONNECTION_NAME });
    const at = new Date('2026-01-01T10:00:00.000Z');
    await store.sync.inbound.record({
      connectionId: connection.id,
      eventId: 'real-push',
      source: 'push',
      type: 'incident.updated',
      incidentSysId: 'sys-1',
      sequence: 5,
      orderKey: '0000000005.1.000000000000000',
      occurredAt: at,
      receivedAt: at,
      payload: { type: 'incident.updated' },
    });
    await store.close();

    part = startPart('history-part.ts', { name: 'history seeder' });
    expect(await part.call('seed', { storeFile, sysId: 'sys-1', number: 'INC0000001', count: 250 })).toEqual({ marked: 250 });
    await part.call('settle', { storeFile });
    const wal = `${storeFile}-wal`;
    expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0).toBe(0);

    const reopened = await openSqliteStore({ file: storeFile, env: {} });
    try {
      const events = await reopened.sync.inbound.listForIncident(connection.id, 'sys-1');
      expect(events).toHaveLength(251);
      expect(events.filter((e) => e.state === 'done')).toHaveLength(250);
      expect(events.find((e) => e.eventId === 'real-push')?.state).toBe('pending');
    } finally {
      await reopened.close();
    }
  }, 60_000);

  it('alternates the two stores ABBA, so that a trend in the load falls on both alike', () => {
    expect(runOrder(3)).toEqual(['new', 'history', 'history', 'new', 'new', 'history']);
    expect(runOrder(1)).toEqual(['new', 'history']);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('no values');
  });
});
