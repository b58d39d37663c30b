/** The outbound queue repository of the sync store (writes to ServiceNow: enqueue, claim, finish) over kysely. */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { StoreBackend } from './backend';
import { forceIndex, ONE_ROW, PreparedQuery } from './prepared-query';
import { StoredDataError } from './errors';
import {
  MAX_SENDS_PER_CONNECTION,
  type NewOutboundOp,
  type OutboundClaimOptions,
  type OutboundOp,
  type OutboundPayload,
  type OutboundQueueRepository,
  type OutboundState,
  type RetryOptions,
} from './sync-store';
import type { CompanionDatabase } from './schema';
import type { SyncOutboundOpsTable } from './sync-schema';
import { type Db, iso, LEASE_CLEARED, OPEN_OUTBOUND, toOp, earliest, clip, nextCounter, countSending, OverLimit } from './kysely-sync-common';

/** The next number of `sync_outbound_op_seq` (PostgreSQL, migration 0014): outside any transaction, never a conflict. */
async function nextOutboundSeq(db: Db): Promise<number> {
  const { rows } = await sql<{ seq: string }>`select nextval('sync_outbound_op_seq') as seq`.execute(db);
  return Number(rows[0]!.seq);
}

/** An incident's open writes, read by every applied change (see PreparedQuery). */
const LIST_OPEN = new PreparedQuery(['incidentId'], (db: Kysely<CompanionDatabase>, a: { incidentId: string }) =>
  db.selectFrom('sync_outbound_ops').selectAll().where('incident_id', '=', a.incidentId).where(OPEN_OUTBOUND('sync_outbound_ops')).orderBy('seq'),
);

export class KyselyOutboundRepository implements OutboundQueueRepository {
  constructor(
    private readonly db: Db,
    private readonly backend: StoreBackend,
  ) {}

  async enqueue(op: NewOutboundOp): Promise<OutboundOp> {
    const seq = this.backend.outboundSeqSequence ? await nextOutboundSeq(this.db) : await nextCounter(this.db, 'outbound_op');
    const row: Selectable<SyncOutboundOpsTable> = {
      id: randomUUID(),
      seq,
      incident_id: op.incidentId,
      connection_id: op.connectionId,
      kind: op.kind,
      payload: JSON.stringify(op.payload),
      state: 'pending',
      attempts: 0,
      ambiguous: 0,
      next_attempt_at: iso(op.createdAt),
      lease_owner: null,
      lease_expires_at: null,
      last_status: null,
      last_error: null,
      result_mod_count: null,
      created_at: iso(op.createdAt),
      updated_at: iso(op.createdAt),
      completed_at: null,
    };
    await this.db.insertInto('sync_outbound_ops').values(row).execute();
    return toOp(row);
  }

  async tail(incidentId: string): Promise<OutboundOp | undefined> {
    const row = await this.db
      .selectFrom('sync_outbound_ops')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('seq', 'desc')
      .limit(ONE_ROW)
      .executeTakeFirst();
    return row ? toOp(row) : undefined;
  }

  async listOpen(incidentId: string): Promise<OutboundOp[]> {
    const { rows } = await LIST_OPEN.execute(this.db, { incidentId });
    return rows.map(toOp);
  }

  async replacePendingPayload(id: string, payload: OutboundPayload, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_outbound_ops')
      .set({ payload: JSON.stringify(payload), updated_at: iso(at) })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async replaceClaimedPayload(id: string, owner: string, payload: OutboundPayload, at: Date): Promise<boolean> {
    return this.updateClaimed(id, owner, { payload: JSON.stringify(payload), updated_at: iso(at) });
  }

  /** Open rows only (partial indexes of migration 0005), as the inbound claim; paused connections are skipped unless probed. */
  /**
   * On PostgreSQL the per-connection limit is made exact across replicas: the claim and a recount
   * under a lock on the connection's row run in one transaction, so of two replicas that claimed the
   * last free place at once, the second sees the first and gives its claim back. (SQLite runs one
   * writer at a time: the single statement is exact already.)
   */
  async claim(options: OutboundClaimOptions): Promise<OutboundOp | undefined> {
    const max = options.maxSendsPerConnection ?? MAX_SENDS_PER_CONNECTION;
    if (!this.backend.skipLockedClaims || this.db.isTransaction) return this.claimOnce(this.db, options, max);
    try {
      const claimed = await (this.db as Kysely<CompanionDatabase>).transaction().execute(async (trx) => {
        let op: OutboundOp | undefined;
        try {
          op = await this.claimOnce(trx, options, max);
        } catch (err) {
          // The unreadable op is set aside in this transaction: it must commit, then the error is passed on.
          if (err instanceof StoredDataError) return { unreadable: err };
          throw err;
        }
        if (!op) return { op };
        await sql`select id from connections where id = ${op.connectionId} for update`.execute(trx);
        if ((await countSending(trx, op.connectionId, iso(options.now))) > max) throw new OverLimit();
        return { op };
      });
      if ('unreadable' in claimed) throw claimed.unreadable;
      return claimed.op;
    } catch (err) {
      if (err instanceof OverLimit) return undefined;
      throw err;
    }
  }

  private async claimOnce(db: Db, options: OutboundClaimOptions, max: number): Promise<OutboundOp | undefined> {
    const now = iso(options.now);
    const excluded = [...(options.excludeConnections ?? [])];
    const claim = db
      .updateTable('sync_outbound_ops')
      .set((eb) => ({
        state: 'sending',
        lease_owner: options.owner,
        lease_expires_at: iso(new Date(options.now.getTime() + options.leaseMs)),
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', (eb) => {
        let candidates = eb
          .selectFrom('sync_outbound_ops as o')
          .select('o.id')
          .where(OPEN_OUTBOUND('o'))
          .where('o.next_attempt_at', '<=', now)
          .where((w) => w.or([w('o.state', '=', 'pending'), w('o.lease_expires_at', '<=', now)]))
          .where((w) =>
            w.not(
              w.exists(
                w
                  .selectFrom('sync_outbound_ops as p')
                  .select('p.id')
                  .where(OPEN_OUTBOUND('p'))
                  .whereRef('p.incident_id', '=', 'o.incident_id')
                  .whereRef('p.seq', '<', 'o.seq'),
              ),
            ),
          );
        if (options.onlyConnection !== undefined) {
          candidates = candidates.where('o.connection_id', '=', options.onlyConnection);
        } else {
          candidates = candidates.where((w) =>
            w.not(w.exists(w.selectFrom('sync_connection_pauses as z').select('z.connection_id').whereRef('z.connection_id', '=', 'o.connection_id'))),
          );
        }
        if (excluded.length > 0) candidates = candidates.where('o.connection_id', 'not in', excluded);
        candidates = candidates.where(
          (w) =>
            w
              .selectFrom('sync_outbound_ops as f')
              .select((f) => f.fn.countAll<number>().as('n'))
              .where(OPEN_OUTBOUND('f'))
              .whereRef('f.connection_id', '=', 'o.connection_id')
              .where('f.state', '=', 'sending')
              .where('f.lease_expires_at', '>', now),
          '<',
          max,
        );
        return candidates
          .orderBy('o.next_attempt_at')
          .orderBy('o.seq')
          .limit(ONE_ROW)
          .$if(this.backend.skipLockedClaims, (q) => q.forUpdate().skipLocked());
      })
      .where((w) => w.or([w('state', '=', 'pending'), w.and([w('state', '=', 'sending'), w('lease_expires_at', '<=', now)])]))
      .returningAll()
      .compile();
    // On SQLite the candidates come from the open writes in due order: without statistics the planner
    // took the index on state, read every open write and sorted them (see the inbound claim).
    const compiled = this.backend.kind === 'sqlite' ? { ...claim, sql: forceIndex(claim.sql, 'sync_outbound_ops', 'o', 'sync_outbound_ops_open_due_idx') } : claim;
    const row = (await db.executeQuery(compiled)).rows[0];
    if (!row) return undefined;
    try {
      return toOp(row);
    } catch (err) {
      // On the claim's own connection: on PostgreSQL the claim's transaction holds the row.
      if (err instanceof StoredDataError) await new KyselyOutboundRepository(db, this.backend).kill(row.id, options.owner, { error: err.message, status: null, at: options.now });
      throw err;
    }
  }

  async nextDueAt(): Promise<Date | null> {
    const pending = await this.db
      .selectFrom('sync_outbound_ops as o')
      .select((eb) => eb.fn.min('o.next_attempt_at').as('at'))
      .where(OPEN_OUTBOUND('o'))
      .where('o.state', '=', 'pending')
      .where((w) => w.not(w.exists(w.selectFrom('sync_connection_pauses as z').select('z.connection_id').whereRef('z.connection_id', '=', 'o.connection_id'))))
      .executeTakeFirst();
    const leased = await this.db
      .selectFrom('sync_outbound_ops as o')
      .select((eb) => eb.fn.min('o.lease_expires_at').as('at'))
      .where(OPEN_OUTBOUND('o'))
      .where('o.state', '=', 'sending')
      .executeTakeFirst();
    const probe = await this.db.selectFrom('sync_connection_pauses').select((eb) => eb.fn.min('next_probe_at').as('at')).executeTakeFirst();
    return earliest(pending?.at ?? null, leased?.at ?? null, probe?.at ?? null);
  }

  async complete(id: string, owner: string, result: { modCount: number | null; status: number | null; at: Date }): Promise<boolean> {
    return this.updateClaimed(id, owner, {
      state: 'done',
      result_mod_count: result.modCount,
      last_status: result.status,
      last_error: null,
      ...LEASE_CLEARED,
      updated_at: iso(result.at),
      completed_at: iso(result.at),
    });
  }

  async retry(id: string, owner: string, options: RetryOptions): Promise<boolean> {
    return this.updateClaimed(id, owner, {
      state: 'pending',
      next_attempt_at: iso(options.nextAttemptAt),
      last_error: clip(options.error),
      last_status: options.status ?? null,
      // A retry only ever sets `ambiguous`: once an attempt may have reached ServiceNow, the op stays so.
      ...(options.ambiguous ? { ambiguous: 1 } : {}),
      ...LEASE_CLEARED,
      updated_at: iso(options.now),
    });
  }

  async kill(id: string, owner: string, result: { error: string; status: number | null; at: Date }): Promise<boolean> {
    return this.updateClaimed(id, owner, {
      state: 'dead',
      last_error: clip(result.error),
      last_status: result.status,
      ...LEASE_CLEARED,
      updated_at: iso(result.at),
      completed_at: iso(result.at),
    });
  }

  /**
   * One update of an op this owner has claimed, fenced by its lease: it changes the row only while the
   * op is still `sending` under `owner` (a replica whose lease was taken over changes nothing).
   */
  private async updateClaimed(id: string, owner: string, set: Updateable<SyncOutboundOpsTable>): Promise<boolean> {
    const updated = await this.db
      .updateTable('sync_outbound_ops')
      .set(set)
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async cancelPending(incidentId: string, at: Date): Promise<number> {
    const updated = await this.db
      .updateTable('sync_outbound_ops')
      .set({ state: 'canceled', updated_at: iso(at), completed_at: iso(at) })
      .where('incident_id', '=', incidentId)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(updated.numUpdatedRows);
  }

  async release(owner: string, at: Date, nextAttemptAt: Date): Promise<number> {
    const updated = await this.db
      .updateTable('sync_outbound_ops')
      // A send interrupted by shutdown may have reached ServiceNow: check before sending again.
      .set({ state: 'pending', ambiguous: 1, ...LEASE_CLEARED, next_attempt_at: iso(nextAttemptAt), updated_at: iso(at) })
      .where('state', '=', 'sending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows);
  }

  async countByState(): Promise<Record<OutboundState, number>> {
    const rows = await this.db
      .selectFrom('sync_outbound_ops')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const counts: Record<OutboundState, number> = { pending: 0, sending: 0, done: 0, dead: 0, canceled: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  async listForIncident(incidentId: string): Promise<OutboundOp[]> {
    const rows = await this.db.selectFrom('sync_outbound_ops').selectAll().where('incident_id', '=', incidentId).orderBy('seq').execute();
    return rows.map(toOp);
  }
}
