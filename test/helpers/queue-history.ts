import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { KyselySyncStore } from '../../src/companion/store/kysely-sync-store';
import type { CompanionDatabase } from '../../src/companion/store/schema';

/**
 * Finished history for the queue tests and `bench/queue-history.ts`: many done events (and done
 * writes) for one incident, inserted with raw SQL in one transaction (100,000 rows in about a second).
 */
export function seedFinishedHistory(
  sqlite: Database.Database,
  input: { connectionId: string; incidentSysId: string; incidentId?: string; events: number; at: Date },
): void {
  const at = input.at.toISOString();
  const insertEvent = sqlite.prepare(
    `INSERT INTO sync_inbound_events (id, connection_id, event_id, source, event_type, incident_sys_id, sequence, order_key,
       occurred_at, received_at, payload, state, outcome, attempts, next_attempt_at, lease_owner, lease_expires_at, last_error, processed_at)
     VALUES (?, ?, ?, 'push', 'incident.updated', ?, ?, ?, ?, ?, '{}', 'done', 'applied', 1, ?, NULL, NULL, NULL, ?)`,
  );
  const insertOp = sqlite.prepare(
    `INSERT INTO sync_outbound_ops (id, seq, incident_id, connection_id, kind, payload, state, attempts, ambiguous, next_attempt_at,
       lease_owner, lease_expires_at, last_status, last_error, result_mod_count, created_at, updated_at, completed_at)
     VALUES (?, ?, ?, ?, 'note', '{}', 'done', 1, 0, ?, NULL, NULL, 200, NULL, ?, ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    for (let i = 0; i < input.events; i++) {
      const orderKey = `${String(i).padStart(10, '0')}.1.${String(input.at.getTime()).padStart(15, '0')}`;
      insertEvent.run(randomUUID(), input.connectionId, `history-${i}`, input.incidentSysId, i, orderKey, at, at, at, at);
      if (input.incidentId) insertOp.run(randomUUID(), -1 - i, input.incidentId, input.connectionId, at, i, at, at, at);
    }
  })();
  sqlite.exec('ANALYZE');
}

/** A sync store over an open SQLite handle that records the SQL it runs (for EXPLAIN QUERY PLAN). */
export function recordingSyncStore(sqlite: Database.Database): { store: KyselySyncStore; queries: CompiledQuery[]; db: Kysely<CompanionDatabase> } {
  const queries: CompiledQuery[] = [];
  const db = new Kysely<CompanionDatabase>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => {
      if (event.level === 'query') queries.push(event.query);
    },
  });
  return { store: new KyselySyncStore(db), queries, db };
}

/** SQLite's plan for a recorded query, one line per step. */
export function queryPlan(sqlite: Database.Database, query: CompiledQuery): string[] {
  const rows = sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...(query.parameters as unknown[])) as Array<{ detail: string }>;
  return rows.map((r) => r.detail);
}
