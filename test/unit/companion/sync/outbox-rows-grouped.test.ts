import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore, type Connection, type SqliteCompanionStore } from '../../../../src/companion/store';
import type { InboundWriter } from '../../../../src/companion/store/sync-store';
import { InboundGroupCommit } from '../../../../src/companion/sync/inbound-group-commit';
import { SyncMetrics } from '../../../../src/companion/sync/metrics';
import { storeOutboxRows, type OutboxRow } from '../../../../src/companion/sync/outbox-pull';
import { pushBodyFor } from '../../../helpers/sync-pushes';
import { saveTestConnection } from '../../../helpers/sync-store-fixture';

/**
 * The rows read from the app's outbox (the catch-up after a restart, a write's pull) are stored
 * through the group commit all at once: one transaction for a page, not one each. After a restart
 * the catch-up reads hundreds of rows while the app's retries flood in; stored one by one (a round
 * trip to the store's thread and a commit each), its pass took 20 to 26 s in the crash-restart
 * suite, and the incidents whose pushes the app held back stayed stale that long.
 */

const SYS_ID = 'c'.repeat(32);
const ROWS = 100;

describe('storeOutboxRows on the server store (SQLite on its threads)', () => {
  let dir: string;
  let store: SqliteCompanionStore;
  let connection: Connection;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-outbox-rows-'));
    store = await openSqliteStore({ file: path.join(dir, 'companion.db'), env: {}, ownThread: true });
    connection = await saveTestConnection(store);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The pushes' writer, counting the transactions it is handed (a batch or a single event: one commit each). */
  function countingWriter(): { writer: InboundWriter; commits: () => number } {
    const real = store.ingest!;
    let commits = 0;
    const writer: InboundWriter = {
      record: (event) => {
        commits += 1;
        return real.record(event);
      },
      recordAll: (events) => {
        commits += 1;
        return real.recordAll(events);
      },
      ...(real.batchesInFlight !== undefined ? { batchesInFlight: real.batchesInFlight } : {}),
    };
    return { writer, commits: () => commits };
  }

  function outboxRows(): OutboxRow[] {
    const record = { sys_id: SYS_ID, number: 'INC0010001', short_description: 'Checkout errors', state: '2' };
    return Array.from({ length: ROWS }, (_, i) => {
      const body = pushBodyFor(record, { sequence: i + 1, changedFields: ['short_description'], values: { short_description: `Checkout errors ${i + 1}` } });
      return { event_id: String(body.event_id), incident_sys_id: SYS_ID, payload: JSON.stringify(body) };
    });
  }

  it('stores a page of rows in one commit and counts the new ones', async () => {
    const { writer, commits } = countingWriter();
    const groupCommit = new InboundGroupCommit(writer);
    let woken = 0;
    const deps = {
      store,
      metrics: new SyncMetrics({ outbound: () => store.sync.outbound.countByState(), inbound: () => store.sync.inbound.countByState() }, { defaultMetrics: false }),
      clock: () => new Date(),
      onStored: () => (woken += 1),
      recordInbound: (event: Parameters<InboundGroupCommit['record']>[0]) => groupCommit.record(event),
    };
    const rows = outboxRows();

    expect(await storeOutboxRows(deps, connection, rows)).toBe(ROWS);
    // One by one, this was one commit per row (100).
    expect(commits()).toBe(1);
    expect(woken).toBe(ROWS);
    const stored = await store.sync.inbound.listForIncident(connection.id, SYS_ID);
    expect(stored.map((e) => e.sequence).sort((a, b) => a - b)).toEqual(rows.map((_, i) => i + 1));

    // Read again (the next pass, or the app's push of the same events): nothing new, still one commit.
    expect(await storeOutboxRows(deps, connection, rows)).toBe(0);
    expect(commits()).toBe(2);
    expect(woken).toBe(ROWS);
  });
});
