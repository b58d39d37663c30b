import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from '../../../../src/companion/store';
import { DEFAULT_MAPPING } from '../../../../src/companion/sync/mapping';
import { SyncEngine } from '../../../../src/companion/sync/sync-engine';
import { silentLogger } from '../../../../src/shared/logger';
import { openTestStore, type TestStore } from '../../../helpers/store-backends';
import { saveTestConnection } from '../../../helpers/sync-store-fixture';
import { pushBodyFor, signedPush } from '../../../helpers/sync-pushes';
import { waitFor } from '../../../helpers/wait-for';

/**
 * The apply worker is woken by the commit of a pushed event, not by its idle poll: with an idle
 * poll of ten minutes, pushes received through the group commit (real SQLite file) are applied
 * as soon as they are stored. And by default a quiet push is applied in the transaction that stores
 * it, before it is answered: the worker is not needed for it at all.
 */

describe('a stored push wakes the apply worker', () => {
  let dir: string;
  let store: TestStore;
  let connection: Connection;
  let engine: SyncEngine;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-push-wakes-'));
    store = await openTestStore('sqlite', { dir });
    connection = await saveTestConnection(store);
  });
  const engineWith = (options: { applyAtOnce?: boolean } = {}) =>
    (engine = new SyncEngine({ store, mapping: DEFAULT_MAPPING, logger: silentLogger(), defaultMetrics: false, idleMs: 600_000, ...options }));
  afterEach(async () => {
    await engine.stop(100);
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const record = { sys_id: 'a'.repeat(32), number: 'INC0010001', short_description: 'disk full', priority: '5' };
  const receive = (sequence: number) => {
    const p = signedPush('k', pushBodyFor(record, { sequence, changedFields: ['short_description'] }));
    return engine.receivePush({ connectionName: connection.name, rawBody: Buffer.from(p.body), signature: p.headers['x-incident-io-signature'], eventIdHeader: p.eventId });
  };

  it('applies pushes received while the worker sleeps, without waiting for its idle poll', async () => {
    // Every push left to the worker, to see it woken.
    engineWith({ applyAtOnce: false });
    engine.start();
    await engine.whenStarted();
    // The inbound slots made their first (empty) claim and went to sleep for idleMs.
    await waitFor(async () => (await engine.health()).workers.find((w) => w.name === 'inbound')?.busy === 0);
    const answers = await Promise.all([1, 2, 3].map(receive));
    expect(answers.map((a) => a.status === 200 && a.result)).toEqual(['stored', 'stored', 'stored']);
    const done = await waitFor(async () => {
      const counts = await store.sync.inbound.countByState();
      return counts.done === 3 ? counts : undefined;
    });
    expect(done).toMatchObject({ pending: 0, processing: 0, failed: 0 });
  });

  it('applies a quiet push in the transaction that stores it: done when it is answered, with no worker running', async () => {
    engineWith();
    // Not started: no apply worker, no poll.
    const answer = await receive(1);
    expect(answer).toMatchObject({ status: 200, result: 'stored' });
    expect(await store.sync.inbound.countByState()).toMatchObject({ done: 1, pending: 0, processing: 0, failed: 0 });
    const later = await receive(2);
    expect(later).toMatchObject({ status: 200, result: 'stored' });
    expect((await store.sync.inbound.listForIncident(connection.id, record.sys_id)).map((e) => [e.sequence, e.state])).toEqual([
      [1, 'done'],
      [2, 'done'],
    ]);
  });
});
