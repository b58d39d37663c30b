/** The poll cursor repository of the sync store over kysely. */
import { sql } from 'kysely';
import type { ClaimOptions, PollCursor, PollCursorRepository, PollSource } from './sync-store';
import { type Db, iso, dateOrNull, LEASE_CLEARED } from './kysely-sync-common';

export class KyselyPollCursorRepository implements PollCursorRepository {
  constructor(private readonly db: Db) {}

  async claim(connectionId: string, source: PollSource, options: ClaimOptions): Promise<PollCursor | undefined> {
    const now = iso(options.now);
    const expires = iso(new Date(options.now.getTime() + options.leaseMs));
    const row = await this.db
      .insertInto('sync_poll_cursors')
      .values({
        connection_id: connectionId,
        source,
        cursor: null,
        lease_owner: options.owner,
        lease_expires_at: expires,
        last_run_at: null,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['connection_id', 'source'])
          .doUpdateSet({ lease_owner: options.owner, lease_expires_at: expires, updated_at: now })
          .where((w) =>
            w.or([
              w('sync_poll_cursors.lease_owner', 'is', null),
              w('sync_poll_cursors.lease_expires_at', '<=', now),
              w('sync_poll_cursors.lease_owner', '=', options.owner),
            ]),
          ),
      )
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    return { connectionId: row.connection_id, source: row.source, cursor: row.cursor, lastRunAt: dateOrNull(row.last_run_at) };
  }

  async advance(connectionId: string, source: PollSource, owner: string, cursor: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_poll_cursors')
      .set({ cursor: sql<string>`case when cursor is null or cursor < ${cursor} then ${cursor} else cursor end`, updated_at: iso(at) })
      .where('connection_id', '=', connectionId)
      .where('source', '=', source)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async finishRun(connectionId: string, source: PollSource, owner: string, at: Date): Promise<void> {
    await this.db
      .updateTable('sync_poll_cursors')
      .set({ last_run_at: iso(at), ...LEASE_CLEARED, updated_at: iso(at) })
      .where('connection_id', '=', connectionId)
      .where('source', '=', source)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async get(connectionId: string, source: PollSource): Promise<PollCursor | undefined> {
    const row = await this.db
      .selectFrom('sync_poll_cursors')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('source', '=', source)
      .executeTakeFirst();
    return row ? { connectionId: row.connection_id, source: row.source, cursor: row.cursor, lastRunAt: dateOrNull(row.last_run_at) } : undefined;
  }
}
