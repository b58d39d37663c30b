import type { Kysely } from 'kysely';
import { recordInboundQuery } from './kysely-inbound-repository';
import type { CompanionDatabase } from './schema';
import type { SqliteThread } from './sqlite-thread';
import type { InboundWriter, NewInboundEvent } from './sync-store';
import { timeOrderedId } from './time-ordered-id';
import type { WriteTurns } from './write-turns';

/** The stored id of a duplicate (connection, event id): read in the same transaction as its insert. */
const EXISTING_ID = 'select id from sync_inbound_events where connection_id = ? and event_id = ?';

/**
 * Received events stored on a SQLite connection of their own (its own SqliteThread): a batch is
 * one message to the thread, which runs the inserts in one IMMEDIATE transaction and answers once
 * it committed (`synchronous = FULL`: on disk). The same insert as the sync store's
 * (recordInboundQuery), so deduplication by (connection, event id) is the same; a duplicate's
 * answer carries the id already stored, also for a duplicate within the batch.
 */
export class SqliteInboundWriter implements InboundWriter {
  /** The thread runs its messages one after another: the next group waits there while the previous one commits. */
  readonly batchesInFlight = 2;

  constructor(
    private readonly thread: SqliteThread,
    /** Only compiles the insert (the dialect's SQL); nothing runs through it. */
    private readonly db: Kysely<CompanionDatabase>,
    /** Shared with the store's connection: a group of pushes goes before a waiting transaction. */
    private readonly turns?: WriteTurns,
  ) {}

  async record(event: NewInboundEvent): Promise<{ stored: boolean; id: string }> {
    return (await this.recordAll([event]))[0]!;
  }

  async recordAll(events: readonly NewInboundEvent[]): Promise<Array<{ stored: boolean; id: string }>> {
    const ids = events.map(() => timeOrderedId());
    const statements = events.map((event, i) => {
      const insert = recordInboundQuery(this.db, ids[i]!, event);
      return { sql: insert.sql, params: insert.parameters, ifUnchanged: { sql: EXISTING_ID, params: [event.connectionId, event.eventId] } };
    });
    const endTurn = await this.turns?.take('pushes');
    let results;
    try {
      results = await this.thread.transaction(statements);
    } finally {
      endTurn?.();
    }
    return results.map((r, i) => (r.changes === 1 ? { stored: true, id: ids[i]! } : { stored: false, id: String(r.rows?.[0]?.id ?? '') }));
  }
}
