/** The queue owner repository of the sync store over kysely. */
import type { OwnerRepository, QueueOwner } from './sync-store';
import { type Db, iso, LEASE_CLEARED, OPEN_INBOUND, OPEN_OUTBOUND } from './kysely-sync-common';

export class KyselyOwnerRepository implements OwnerRepository {
  constructor(private readonly db: Db) {}

  async register(owner: Omit<QueueOwner, 'heartbeatAt'>): Promise<void> {
    await this.db
      .insertInto('sync_owners')
      .values({ id: owner.id, host: owner.host, pid: owner.pid, started_at: iso(owner.startedAt), heartbeat_at: iso(owner.startedAt) })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: iso(owner.startedAt) }))
      .execute();
  }

  async heartbeat(id: string, at: Date, leaseUntil: Date): Promise<boolean> {
    const until = iso(leaseUntil);
    const beat = await this.db.updateTable('sync_owners').set({ heartbeat_at: iso(at) }).where('id', '=', id).executeTakeFirst();
    if (Number(beat.numUpdatedRows) !== 1) return false;
    await this.db
      .updateTable('sync_inbound_events as e')
      .set({ lease_expires_at: until })
      .where(OPEN_INBOUND('e'))
      .where('e.lease_owner', '=', id)
      .where('e.state', '=', 'processing')
      .execute();
    await this.db
      .updateTable('sync_outbound_ops as o')
      .set({ lease_expires_at: until })
      .where(OPEN_OUTBOUND('o'))
      .where('o.lease_owner', '=', id)
      .where('o.state', '=', 'sending')
      .execute();
    await this.db.updateTable('sync_poll_cursors').set({ lease_expires_at: until }).where('lease_owner', '=', id).execute();
    return true;
  }

  async list(): Promise<QueueOwner[]> {
    const rows = await this.db.selectFrom('sync_owners').selectAll().orderBy('started_at').execute();
    return rows.map((r) => ({ id: r.id, host: r.host, pid: r.pid, startedAt: new Date(r.started_at), heartbeatAt: new Date(r.heartbeat_at) }));
  }

  async reclaim(id: string, at: Date): Promise<{ inbound: number; outbound: number }> {
    const now = iso(at);
    const inbound = await this.db
      .updateTable('sync_inbound_events as e')
      .set({ state: 'pending', ...LEASE_CLEARED, next_attempt_at: now })
      .where(OPEN_INBOUND('e'))
      .where('e.lease_owner', '=', id)
      .where('e.state', '=', 'processing')
      .executeTakeFirst();
    const outbound = await this.db
      .updateTable('sync_outbound_ops as o')
      // The dead owner may have sent it: the next attempt looks before it writes (and re-decides every field).
      .set({ state: 'pending', ambiguous: 1, ...LEASE_CLEARED, next_attempt_at: now, updated_at: now })
      .where(OPEN_OUTBOUND('o'))
      .where('o.lease_owner', '=', id)
      .where('o.state', '=', 'sending')
      .executeTakeFirst();
    await this.db.updateTable('sync_poll_cursors').set({ ...LEASE_CLEARED, updated_at: now }).where('lease_owner', '=', id).execute();
    await this.db.deleteFrom('sync_owners').where('id', '=', id).execute();
    return { inbound: Number(inbound.numUpdatedRows), outbound: Number(outbound.numUpdatedRows) };
  }

  async unregister(id: string): Promise<void> {
    await this.db.deleteFrom('sync_owners').where('id', '=', id).execute();
  }
}
