/** The connection pause repository of the sync store over kysely. */
import type { ConnectionPause, PauseRepository } from './sync-store';
import { type Db, iso, clip } from './kysely-sync-common';

export class KyselyPauseRepository implements PauseRepository {
  constructor(private readonly db: Db) {}

  async pause(input: { connectionId: string; until: Date; nextProbeAt: Date; retryAfterSeconds: number | null; reason: string; at: Date }): Promise<void> {
    await this.db
      .insertInto('sync_connection_pauses')
      .values({
        connection_id: input.connectionId,
        since: iso(input.at),
        until: iso(input.until),
        next_probe_at: iso(input.nextProbeAt),
        retry_after_seconds: input.retryAfterSeconds,
        hits: 1,
        reason: clip(input.reason),
        updated_at: iso(input.at),
      })
      .onConflict((oc) =>
        oc.column('connection_id').doUpdateSet((eb) => ({
          until: iso(input.until),
          next_probe_at: iso(input.nextProbeAt),
          retry_after_seconds: input.retryAfterSeconds,
          hits: eb('sync_connection_pauses.hits', '+', 1),
          reason: clip(input.reason),
          updated_at: iso(input.at),
        })),
      )
      .execute();
  }

  async takeProbe(connectionId: string, now: Date, nextProbeAt: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_connection_pauses')
      .set({ next_probe_at: iso(nextProbeAt), updated_at: iso(now) })
      .where('connection_id', '=', connectionId)
      .where('next_probe_at', '<=', iso(now))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async resume(connectionId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sync_connection_pauses').where('connection_id', '=', connectionId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async list(): Promise<ConnectionPause[]> {
    const rows = await this.db.selectFrom('sync_connection_pauses').selectAll().orderBy('since').execute();
    return rows.map((r) => ({
      connectionId: r.connection_id,
      since: new Date(r.since),
      until: new Date(r.until),
      nextProbeAt: new Date(r.next_probe_at),
      retryAfterSeconds: r.retry_after_seconds,
      hits: r.hits,
      reason: r.reason,
    }));
  }
}
