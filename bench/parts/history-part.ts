import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { orderKeyOf } from '../../src/companion/sync/servicenow-record';
import { openSqliteStore } from '../../src/companion/store';
import { CONNECTION_NAME } from '../fixtures/accounts';
import { servePart } from '../lib/part';

/**
 * History for `ingest_after_history_ratio`: `count` processed push events of one incident, stored
 * through the store's own insert (in one transaction, while the companion is stopped), then marked
 * done as the apply worker would have left them.
 */

/** The seeded events' ids begin with it, so only they are marked done (not a real push left pending). */
const HISTORY_EVENT_PREFIX = 'history-';

servePart({
  async seed(options: { storeFile: string; sysId: string; number: string; count: number }) {
    const store = await openSqliteStore({ file: options.storeFile, env: {} });
    let connectionId: string;
    try {
      const connection = await store.getConnection(CONNECTION_NAME);
      if (!connection) throw new Error(`no connection ${CONNECTION_NAME} in ${options.storeFile}`);
      connectionId = connection.id;
      const base = Date.now() - 86_400_000;
      const payload = { type: 'incident.updated', record: { sysId: options.sysId, number: options.number, padding: 'x'.repeat(600) } };
      await store.sync.transaction(async (tx) => {
        for (let i = 0; i < options.count; i++) {
          const at = new Date(base + i);
          await tx.inbound.record({
            connectionId,
            eventId: `${HISTORY_EVENT_PREFIX}${randomBytes(16).toString('hex')}`,
            source: 'push',
            type: 'incident.updated',
            incidentSysId: options.sysId,
            sequence: i + 1,
            orderKey: orderKeyOf('incident.updated', i + 1, at),
            occurredAt: at,
            receivedAt: at,
            payload,
          });
        }
      });
    } finally {
      await store.close();
    }
    const db = new Database(options.storeFile);
    try {
      const done = db
        .prepare(`UPDATE sync_inbound_events SET state = 'done', outcome = 'stale', processed_at = received_at WHERE connection_id = ? AND incident_sys_id = ? AND state = 'pending' AND event_id LIKE '${HISTORY_EVENT_PREFIX}%'`)
        .run(connectionId, options.sysId);
      db.pragma('wal_checkpoint(TRUNCATE)');
      return { marked: done.changes };
    } finally {
      db.close();
    }
  },

  /**
   * A store as the product leaves it at rest: its WAL checkpointed into the file and emptied, and
   * the file on disk (a copy made with copyFile would otherwise be written back by the kernel
   * during a measured run, slowing that run's own fsyncs).
   */
  settle(options: { storeFile: string }) {
    const db = new Database(options.storeFile);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    const fd = fs.openSync(options.storeFile, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return null;
  },
});
