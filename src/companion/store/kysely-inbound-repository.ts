/** The inbound event repository of the sync store (received pushes and polled changes: record, claim, finish) over kysely. */
import { sql, type Kysely, type Updateable } from 'kysely';
import type { StoreBackend } from './backend';
import { StoredDataError } from './errors';
import { forceIndex, ONE_ROW, PreparedQuery } from './prepared-query';
import type { CompanionDatabase } from './schema';
import type { SyncInboundEventsTable } from './sync-schema';
import { timeOrderedId } from './time-ordered-id';
import type { ClaimOptions, InboundEventRepository, InboundState, NewInboundEvent, RetryOptions, StoredInboundEvent } from './sync-store';
import { type Db, iso, LEASE_CLEARED, OPEN_INBOUND, toInbound, earliest, clip } from './kysely-sync-common';

/** A received event's own columns, as the push or the poll gave them (RECORD_INBOUND, RECORD_DONE_INBOUND). */
type ReceivedColumns = Record<'id' | 'connectionId' | 'eventId' | 'incidentSysId' | 'orderKey' | 'occurredAt' | 'receivedAt' | 'payload', string> &
  Pick<NewInboundEvent, 'source' | 'type' | 'sequence'>;

const RECEIVED_PARAMETERS = ['id', 'connectionId', 'eventId', 'source', 'type', 'incidentSysId', 'sequence', 'orderKey', 'occurredAt', 'receivedAt', 'payload'] as const;

/** The row of a received event that no worker holds: due when received. */
function receivedRow(a: ReceivedColumns) {
  return {
    id: a.id,
    connection_id: a.connectionId,
    event_id: a.eventId,
    source: a.source,
    event_type: a.type,
    incident_sys_id: a.incidentSysId,
    sequence: a.sequence,
    order_key: a.orderKey,
    occurred_at: a.occurredAt,
    received_at: a.receivedAt,
    payload: a.payload,
    next_attempt_at: a.receivedAt,
    lease_owner: null,
    lease_expires_at: null,
    last_error: null,
  };
}

/** The hot queries of received events, compiled once per dialect (see PreparedQuery). */
const RECORD_INBOUND = new PreparedQuery([...RECEIVED_PARAMETERS], (db: Kysely<CompanionDatabase>, a: ReceivedColumns) =>
  db
    .insertInto('sync_inbound_events')
    .values({ ...receivedRow(a), state: 'pending', outcome: null, attempts: 0, processed_at: null })
    .onConflict((oc) => oc.columns(['connection_id', 'event_id']).doNothing()),
);

/**
 * A received event stored already applied (the quiet push, KyselyInboundRepository.recordDone): the
 * row a claim and a done mark would have left, written once, so the open-event indexes are never touched.
 */
const RECORD_DONE_INBOUND = new PreparedQuery(
  [...RECEIVED_PARAMETERS, 'outcome', 'processedAt'],
  (db: Kysely<CompanionDatabase>, a: ReceivedColumns & Record<'outcome' | 'processedAt', string>) =>
    db
      .insertInto('sync_inbound_events')
      .values({ ...receivedRow(a), state: 'done', outcome: a.outcome, attempts: 1, processed_at: a.processedAt })
      .onConflict((oc) => oc.columns(['connection_id', 'event_id']).doNothing()),
);

/** The done mark of every applied event, fenced by its lease (KyselyInboundRepository.updateClaimed). */
const FINISH_INBOUND = new PreparedQuery(
  ['id', 'owner', 'outcome', 'processedAt'],
  (db: Kysely<CompanionDatabase>, a: Record<'id' | 'owner' | 'outcome' | 'processedAt', string>) =>
    db
      .updateTable('sync_inbound_events')
      .set({ state: 'done', outcome: a.outcome, processed_at: a.processedAt, ...LEASE_CLEARED, last_error: null })
      .where('id', '=', a.id)
      .where('state', '=', 'processing')
      .where('lease_owner', '=', a.owner),
);

/** Whether an incident has open events (after a quiet push was applied: is the apply worker needed). */
const HAS_OPEN_FOR_INCIDENT = new PreparedQuery(['connectionId', 'incidentSysId'], (db: Kysely<CompanionDatabase>, a: Record<'connectionId' | 'incidentSysId', string>) =>
  db
    .selectFrom('sync_inbound_events as e')
    .select('e.id')
    .where('e.connection_id', '=', a.connectionId)
    .where('e.incident_sys_id', '=', a.incidentSysId)
    .where(OPEN_INBOUND('e'))
    .limit(ONE_ROW),
);

type ClaimArgs = Record<'now' | 'owner' | 'leaseExpiresAt' | 'connectionId' | 'incidentSysId', string>;

/** The inbound claim (KyselyInboundRepository.claim explains it), compiled once per backend; `ofIncident`: only an event of one incident. */
function buildClaimInbound(backend: StoreBackend, ofIncident: boolean) {
  const args: Array<keyof ClaimArgs> = ofIncident ? ['now', 'owner', 'leaseExpiresAt', 'connectionId', 'incidentSysId'] : ['now', 'owner', 'leaseExpiresAt'];
  return new PreparedQuery(args, (db: Kysely<CompanionDatabase>, args: ClaimArgs) =>
    db
      .updateTable('sync_inbound_events')
      .set((eb) => ({
        state: 'processing',
        lease_owner: args.owner,
        lease_expires_at: args.leaseExpiresAt,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', (eb) =>
        eb
          .selectFrom('sync_inbound_events as e')
          .select('e.id')
          .where(OPEN_INBOUND('e'))
          .$if(ofIncident, (q) => q.where('e.connection_id', '=', args.connectionId).where('e.incident_sys_id', '=', args.incidentSysId))
          .where('e.next_attempt_at', '<=', args.now)
          .where((w) => w.or([w('e.state', '=', 'pending'), w('e.lease_expires_at', '<=', args.now)]))
          .where((w) =>
            w.not(
              w.exists(
                w
                  .selectFrom('sync_inbound_events as o')
                  .select('o.id')
                  .where(OPEN_INBOUND('o'))
                  .whereRef('o.connection_id', '=', 'e.connection_id')
                  .whereRef('o.incident_sys_id', '=', 'e.incident_sys_id')
                  .whereRef('o.order_key', '<', 'e.order_key'),
              ),
            ),
          )
          .where((w) =>
            w.not(
              w.exists(
                w
                  .selectFrom('sync_inbound_events as l')
                  .select('l.id')
                  .where(OPEN_INBOUND('l'))
                  .whereRef('l.connection_id', '=', 'e.connection_id')
                  .whereRef('l.incident_sys_id', '=', 'e.incident_sys_id')
                  .where('l.state', '=', 'processing')
                  .where('l.lease_expires_at', '>', args.now)
                  .whereRef('l.id', '<>', 'e.id'),
              ),
            ),
          )
          .orderBy('e.next_attempt_at')
          .orderBy('e.received_at')
          .orderBy('e.id')
          .limit(ONE_ROW)
          .$if(backend.skipLockedClaims, (q) => q.forUpdate().skipLocked()),
      )
      .where((w) => w.or([w('state', '=', 'pending'), w.and([w('state', '=', 'processing'), w('lease_expires_at', '<=', args.now)])]))
      .returningAll(),
    // On SQLite the candidates come from the open rows in due order (or the incident's open lane), the
    // live-lease probe from the lane: left to itself the planner read every open row through the index
    // on state and sorted them, about 4 ms a claim with 2,000 open events against 0.25 ms so.
    backend.kind === 'sqlite'
      ? (compiled) =>
          forceIndex(
            forceIndex(compiled, 'sync_inbound_events', 'e', ofIncident ? 'sync_inbound_events_open_lane_idx' : 'sync_inbound_events_open_due_idx'),
            'sync_inbound_events',
            'l',
            'sync_inbound_events_open_lane_idx',
          )
      : undefined,
  );
}
const CLAIM_INBOUND = new Map<string, ReturnType<typeof buildClaimInbound>>();
function claimInbound(backend: StoreBackend, ofIncident: boolean): ReturnType<typeof buildClaimInbound> {
  const key = `${backend.kind}/${ofIncident}`;
  let query = CLAIM_INBOUND.get(key);
  if (!query) CLAIM_INBOUND.set(key, (query = buildClaimInbound(backend, ofIncident)));
  return query;
}

/** The columns of a received event given its id, as RECORD_INBOUND and RECORD_DONE_INBOUND take them. */
function receivedColumns(id: string, event: NewInboundEvent): ReceivedColumns {
  return {
    id,
    connectionId: event.connectionId,
    eventId: event.eventId,
    source: event.source,
    type: event.type,
    incidentSysId: event.incidentSysId,
    sequence: event.sequence,
    orderKey: event.orderKey,
    occurredAt: iso(event.occurredAt),
    receivedAt: iso(event.receivedAt),
    payload: event.payloadJson ?? JSON.stringify(event.payload),
  };
}

/** The insert of a received event (nothing when (connection, event id) is stored already), compiled for `db`'s dialect. */
export function recordInboundQuery(db: Db, id: string, event: NewInboundEvent) {
  return RECORD_INBOUND.bind(db, receivedColumns(id, event));
}

export class KyselyInboundRepository implements InboundEventRepository {
  constructor(
    private readonly db: Db,
    private readonly backend: StoreBackend,
  ) {}

  async record(event: NewInboundEvent): Promise<{ stored: boolean; id: string }> {
    const id = timeOrderedId();
    const result = await this.db.executeQuery(recordInboundQuery(this.db, id, event));
    if (Number(result.numAffectedRows ?? 0) === 1) return { stored: true, id };
    const existing = await this.get(event.connectionId, event.eventId);
    return { stored: false, id: existing?.id ?? '' };
  }

  async recordDone(id: string, event: NewInboundEvent, outcome: string, at: Date): Promise<boolean> {
    const result = await RECORD_DONE_INBOUND.execute(this.db, { ...receivedColumns(id, event), outcome, processedAt: iso(at) });
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  async get(connectionId: string, eventId: string): Promise<StoredInboundEvent | undefined> {
    const row = await this.db
      .selectFrom('sync_inbound_events')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('event_id', '=', eventId)
      .executeTakeFirst();
    return row ? toInbound(row) : undefined;
  }

  /**
   * Every access is bounded by the open-state partial indexes (migration 0005): the candidates are
   * open events in due order, and "first of its incident" probes the incident's open lane only, so a
   * claim costs the same with 0 or 100,000 finished events of that incident.
   */
  async claim(options: ClaimOptions): Promise<StoredInboundEvent | undefined> {
    const claimed = await claimInbound(this.backend, options.incident !== undefined).execute(this.db, {
      now: iso(options.now),
      owner: options.owner,
      leaseExpiresAt: iso(new Date(options.now.getTime() + options.leaseMs)),
      connectionId: options.incident?.connectionId ?? '',
      incidentSysId: options.incident?.incidentSysId ?? '',
    });
    const row = claimed.rows[0];
    if (!row) return undefined;
    try {
      return toInbound(row);
    } catch (err) {
      // A payload that cannot be read will not become readable: set it aside now, with the reason.
      if (err instanceof StoredDataError) await this.fail(row.id, options.owner, err.message, options.now);
      throw err;
    }
  }

  async finish(id: string, owner: string, outcome: string, at: Date): Promise<boolean> {
    const result = await FINISH_INBOUND.execute(this.db, { id, owner, outcome, processedAt: iso(at) });
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  async retry(id: string, owner: string, options: RetryOptions): Promise<boolean> {
    return this.updateClaimed(id, owner, { state: 'pending', next_attempt_at: iso(options.nextAttemptAt), last_error: clip(options.error), ...LEASE_CLEARED });
  }

  async fail(id: string, owner: string, error: string, at: Date): Promise<boolean> {
    return this.updateClaimed(id, owner, { state: 'failed', outcome: 'failed', last_error: clip(error), processed_at: iso(at), ...LEASE_CLEARED });
  }

  /**
   * One update of an event this owner has claimed, fenced by its lease: it changes the row only while
   * the event is still `processing` under `owner` (a replica whose lease was taken over changes nothing).
   */
  private async updateClaimed(id: string, owner: string, set: Updateable<SyncInboundEventsTable>): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_inbound_events')
      .set(set)
      .where('id', '=', id)
      .where('state', '=', 'processing')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async nextDueAt(): Promise<Date | null> {
    const pending = await this.db
      .selectFrom('sync_inbound_events as e')
      .select((eb) => eb.fn.min('e.next_attempt_at').as('at'))
      .where(OPEN_INBOUND('e'))
      .where('e.state', '=', 'pending')
      .executeTakeFirst();
    const leased = await this.db
      .selectFrom('sync_inbound_events as e')
      .select((eb) => eb.fn.min('e.lease_expires_at').as('at'))
      .where(OPEN_INBOUND('e'))
      .where('e.state', '=', 'processing')
      .executeTakeFirst();
    return earliest(pending?.at ?? null, leased?.at ?? null);
  }

  async release(owner: string, at: Date): Promise<number> {
    const result = await this.db
      .updateTable('sync_inbound_events')
      .set({ state: 'pending', ...LEASE_CLEARED, next_attempt_at: iso(at) })
      .where('state', '=', 'processing')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async countByState(): Promise<Record<InboundState, number>> {
    const rows = await this.db
      .selectFrom('sync_inbound_events')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const counts: Record<InboundState, number> = { pending: 0, processing: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  async purgeDone(before: Date): Promise<number> {
    if (this.backend.kind === 'sqlite') {
      // Through the partial index of finished events by time (done_idx): SQLite's planner, with no
      // statistics, took the index on state and read every finished row (270 to 500 ms with 100,000
      // of them, in a write transaction the pushes wait for). 'done' is written into the SQL: the
      // partial index serves only a query that says so.
      const result = await sql`delete from "sync_inbound_events" indexed by "sync_inbound_events_done_idx" where "state" = 'done' and "processed_at" < ${iso(before)}`.execute(this.db);
      return Number(result.numAffectedRows ?? 0);
    }
    const result = await this.db.deleteFrom('sync_inbound_events').where('state', '=', 'done').where('processed_at', '<', iso(before)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listForIncident(connectionId: string, incidentSysId: string): Promise<StoredInboundEvent[]> {
    const rows = await this.db
      .selectFrom('sync_inbound_events')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('incident_sys_id', '=', incidentSysId)
      .orderBy('order_key')
      .orderBy('received_at')
      .execute();
    return rows.map(toInbound);
  }

  async hasOpenForIncident(connectionId: string, incidentSysId: string): Promise<boolean> {
    const { rows } = await HAS_OPEN_FOR_INCIDENT.execute(this.db, { connectionId, incidentSysId });
    return rows.length > 0;
  }
}
