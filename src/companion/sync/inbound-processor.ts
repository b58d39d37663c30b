import { IncidentSnError } from '../../shared/errors';
import { EVENT_TYPE } from '../../server/contract/push-event';
import { describeError } from '../../shared/errors';
import type { Connection } from '../store';
import type { StoredInboundEvent } from '../store/sync-store';
import { backoffDelayMs } from '../../server/lib/backoff';
import { ConcurrentChangeError, LeaseLostError, retryOnConflict } from './errors';
import type { QueueWorkerDeps } from './worker-deps';
import type { InboundChange } from './servicenow-record';
import { fetchAttachment } from './attachment-fetch';
import { StoredDataError } from '../store/errors';
import { tracePoint } from '../../shared/latency-trace';
import {
  APPLY_INBOUND_EVENT,
  CLAIM_AND_APPLY_INBOUND,
  STORE_AND_APPLY_INBOUND,
  inboundChangeOf,
  prepareFromStore,
  type ClaimedEventResult,
  type ConnectionFacts,
  type EventFacts,
  type InboundOutcome,
  type Prepared,
  type StoredAndApplied,
} from './inbound-apply';
import type { NewInboundEvent } from '../store/sync-store';

export { INBOUND_OUTCOMES, inboundChangeOf, type InboundOutcome } from './inbound-apply';

/**
 * Applies stored ServiceNow changes to incident.io, each in one transaction with its "done" mark: a
 * crash before the commit leaves the event pending (applied later, once), a crash after it leaves
 * nothing to redo. Applying never queues a write to ServiceNow (no echo).
 *
 * On a store with one writer (SQLite) a step claims and applies the next due event (and, with
 * applyBatch, more queued events of its record) in one transaction job (CLAIM_AND_APPLY_INBOUND: on the
 * store's thread, one message, one commit). On
 * PostgreSQL, where replicas share the queue, a step claims one event (its own commit), then applies
 * it in a transaction that holds the incident's lock.
 */

export interface InboundProcessorDeps extends QueueWorkerDeps {
  /** Attempts before an event that keeps failing is set aside as failed. */
  maxAttempts: number;
  /**
   * One record's queued events claimed and applied in one transaction at most (SQLite); default
   * APPLY_BATCH. More drains a record's backlog a commit per group, but the job holds the write lock
   * for the group, and the pushes' commits wait behind it: measured alternately at load 7 to 9
   * (`bench/ingest-only.ts 4`), ratio 0.129 / 0.138 with 1 against 0.084 / 0.099 with 16 (0.160 /
   * 0.141 before the jobs).
   */
  applyBatch?: number;
}

/** Events of one record applied per transaction by default: one (see InboundProcessorDeps.applyBatch). */
export const APPLY_BATCH = 1;

const CHANGING_OUTCOMES: ReadonlySet<InboundOutcome> = new Set(['applied', 'declared', 'adopted', 'deleted']);

function factsOf(connection: Connection): ConnectionFacts {
  return { id: connection.id, name: connection.name, integrationUser: connection.integrationUser };
}

/**
 * The facts of the registry's connections, one array per read of the store: the same object from
 * job to job, so the store's thread keeps it (the jobs' keptInputs) instead of receiving it each time.
 */
const factsByList = new WeakMap<readonly Connection[], readonly ConnectionFacts[]>();
function factsOfAll(connections: readonly Connection[]): readonly ConnectionFacts[] {
  let facts = factsByList.get(connections);
  if (!facts) {
    facts = Object.freeze(connections.map(factsOf));
    factsByList.set(connections, facts);
  }
  return facts;
}

/** An error a transaction job threw on the store's thread comes back with its code only: the sync's own errors, typed again. */
function reviveJobError(err: unknown): unknown {
  if (err instanceof IncidentSnError && !(err instanceof LeaseLostError || err instanceof ConcurrentChangeError || err instanceof StoredDataError)) {
    const e = err as IncidentSnError & { table?: string; rowId?: string; column?: string };
    if (e.code === 'sync_lease_lost') return Object.assign(new LeaseLostError('an event'), { message: e.message });
    if (e.code === 'sync_concurrent_change') return Object.assign(new ConcurrentChangeError('the incident'), { message: e.message });
    if (e.code === 'stored_data_corrupt' && e.table && e.rowId && e.column) {
      return Object.assign(new StoredDataError(e.table, e.rowId, e.column, 'unreadable'), { message: e.message });
    }
  }
  return err;
}

export class InboundProcessor {
  constructor(private readonly deps: InboundProcessorDeps) {}

  /** Claims and applies due events (one, or a group with one writer); false when there was none to claim. */
  async step(signal: AbortSignal): Promise<boolean> {
    if (this.deps.store.sync.singleWriter) return this.claimAndApply(signal);
    const { store, owner, leaseMs } = this.deps;
    let event: StoredInboundEvent | undefined;
    tracePoint('c.claim.start');
    try {
      event = await store.sync.inbound.claim({ owner, now: this.deps.clock(), leaseMs });
    } catch (err) {
      // The store set the unreadable event aside as failed already.
      if (!(err instanceof StoredDataError)) throw err;
      this.setAside(err);
      return true;
    }
    if (!event) return false;
    tracePoint('c.claimed');
    await this.process(event, signal);
    return true;
  }

  /** The step with one writer: claims and applies in one transaction job; an event that needs the network comes back claimed. */
  private async claimAndApply(signal: AbortSignal): Promise<boolean> {
    const { store, owner, leaseMs } = this.deps;
    const connections = factsOfAll(await this.deps.registry.list());
    const batch = Math.max(1, this.deps.applyBatch ?? APPLY_BATCH);
    tracePoint('c.claim.start');
    const output = await store.sync.runJob(CLAIM_AND_APPLY_INBOUND, {
      owner,
      now: this.deps.clock(),
      leaseMs,
      mapping: this.deps.mapping,
      connections,
      max: batch,
      maxAttempts: this.deps.maxAttempts,
      backoff: this.deps.backoff,
      random: Array.from({ length: batch }, () => this.deps.random()),
    });
    if (output.results.length > 0) tracePoint('c.applied');
    for (const result of output.results) this.report(result);
    if (output.handOff) await this.process(output.handOff, signal);
    return output.results.length > 0 || output.handOff !== null;
  }

  /**
   * Stores received events and applies them in the same transaction when they are next in their
   * incidents' queues (STORE_AND_APPLY_INBOUND; a store with one writer only): what is left open is
   * the apply worker's (`open`).
   */
  async storeAndApply(events: readonly NewInboundEvent[]): Promise<StoredAndApplied[]> {
    const { store, owner, leaseMs } = this.deps;
    const connections = factsOfAll(await this.deps.registry.list());
    tracePoint('c.claim.start');
    // The payloads as JSON text, as the thread stores them: a string crosses the thread boundary for
    // a fraction of the structured clone of the change's nested objects.
    const serialized = events.map((event): NewInboundEvent => ({ ...event, payload: null, payloadJson: event.payloadJson ?? JSON.stringify(event.payload) }));
    const output = await store.sync.runJob(STORE_AND_APPLY_INBOUND, { events: serialized, owner, now: this.deps.clock(), leaseMs, mapping: this.deps.mapping, connections });
    if (output.applied.length > 0) tracePoint('c.applied');
    for (const result of output.applied) this.report(result);
    return output.recorded;
  }

  /** Metrics and logs of an event a CLAIM_AND_APPLY_INBOUND job finished. */
  private report(result: ClaimedEventResult): void {
    const { metrics, logger } = this.deps;
    switch (result.kind) {
      case 'applied':
        this.counted(result.event, result.connectionName, result.outcome);
        return;
      case 'unreadable':
        this.setAside(new StoredDataError(result.table, result.rowId, result.column, 'unreadable'), result.event, result.error);
        return;
      case 'failed':
        metrics.eventsProcessed.inc({ connection: result.connectionName, source: result.event.source, type: result.event.type, outcome: 'failed' });
        logger.error({ event: result.event.eventId, err: result.error }, 'a ServiceNow change could not be applied after every attempt; set aside as failed');
        return;
      case 'retry':
        logger.warn({ event: result.event.eventId, err: result.error, retryInMs: result.retryInMs }, 'applying a ServiceNow change failed; it is retried');
        return;
    }
  }

  private counted(event: EventFacts, connectionName: string, outcome: InboundOutcome): void {
    const { metrics, logger } = this.deps;
    metrics.eventsProcessed.inc({ connection: connectionName, source: event.source, type: event.type, outcome });
    if (CHANGING_OUTCOMES.has(outcome)) {
      metrics.eventsApplied.inc({ connection: connectionName, source: event.source });
      metrics.syncLag.observe({ source: event.source }, Math.max(0, (this.deps.clock().getTime() - event.occurredAt.getTime()) / 1000));
    }
    logger.debug({ event: event.eventId, type: event.type, sysId: event.incidentSysId, outcome }, 'applied a ServiceNow change');
  }

  /**
   * The incident an event's transaction is about (TransactionScope): the linked incident, or the one
   * whose follow-up the record is. A record nothing links yet keys on its own sys_id; a create racing
   * with it is still kept apart by the serializable transaction, only without taking turns.
   */
  private async incidentKeyOf(event: StoredInboundEvent): Promise<string> {
    const sync = this.deps.store.sync;
    const link = await sync.incidents.getLinkBySysId(event.connectionId, event.incidentSysId);
    if (link) return link.incidentId;
    const followUp = await sync.followUps.getBySysId(event.connectionId, event.incidentSysId);
    return followUp?.incidentId ?? `${event.connectionId}/${event.incidentSysId}`;
  }

  private setAside(err: StoredDataError, event?: EventFacts, message = err.message): void {
    this.deps.metrics.eventsProcessed.inc({ connection: event?.connectionId ?? 'unknown', source: event?.source ?? 'unknown', type: event?.type ?? 'unknown', outcome: 'failed' });
    this.deps.logger.error({ table: err.table, row: err.rowId, column: err.column, event: event?.eventId, err: message }, 'a stored ServiceNow change cannot be read; set aside as failed');
  }

  private async process(event: StoredInboundEvent, signal: AbortSignal): Promise<void> {
    const { store, owner, logger, metrics } = this.deps;
    let label = event.connectionId;
    try {
      const change = inboundChangeOf(event);
      const connection = await this.deps.registry.byId(event.connectionId);
      if (!connection) throw new IncidentSnError('the connection of this event cannot be read (see the log about its secrets)', { code: 'connection_unreadable' });
      label = connection.name;
      tracePoint('c.apply.start');
      const prepared = await this.prepare(event, change, connection, signal);
      tracePoint('c.prepared');
      const input = { event, prepared, connection: factsOf(connection), mapping: this.deps.mapping, owner, now: this.deps.clock() };
      const outcome = await retryOnConflict(() =>
        store.sync.runJob(APPLY_INBOUND_EVENT, input, { incident: () => this.incidentKeyOf(event) }).catch((err: unknown) => {
          throw reviveJobError(err);
        }),
      );
      tracePoint('c.applied');
      this.counted(event, connection.name, outcome);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        logger.warn({ event: event.eventId }, err.message);
        return;
      }
      const now = this.deps.clock();
      const message = describeError(err);
      // Stored data that cannot be read will not become readable: no retries.
      if (err instanceof StoredDataError) {
        await store.sync.inbound.fail(event.id, owner, message, now);
        this.setAside(err, event);
        return;
      }
      if (event.attempts >= this.deps.maxAttempts) {
        await store.sync.inbound.fail(event.id, owner, message, now);
        metrics.eventsProcessed.inc({ connection: label, source: event.source, type: event.type, outcome: 'failed' });
        logger.error({ event: event.eventId, err: message }, 'a ServiceNow change could not be applied after every attempt; set aside as failed');
        return;
      }
      const delay = backoffDelayMs(this.deps.backoff, event.attempts, this.deps.random);
      await store.sync.inbound.retry(event.id, owner, { nextAttemptAt: new Date(now.getTime() + delay), error: message, now });
      logger.warn({ event: event.eventId, err: message, retryInMs: delay }, 'applying a ServiceNow change failed; it is retried');
    }
  }

  /** What must be read from ServiceNow before the transaction (never inside it). */
  private async prepare(event: StoredInboundEvent, change: InboundChange, connection: Connection, signal: AbortSignal): Promise<Prepared> {
    const fromStore = await prepareFromStore(this.deps.store.sync, event, change, this.deps.mapping);
    if (fromStore) return fromStore;
    if (change.type === EVENT_TYPE.attachment) {
      // A new attachment of a linked incident, fetched outside the transaction. The unique
      // (incident, file) index keeps a concurrent second fetch from storing it twice.
      const { http } = this.deps.registry.client(connection);
      const fetched = await fetchAttachment(http, change.attachment!.sysId, event.incidentSysId, this.deps.mapping.attachments.maxBytes, signal);
      return { correlationId: null, attachment: fetched };
    }
    // Pushes do not carry correlation_id: a record incident.io created (its answer lost) must be adopted, not declared twice.
    const { table } = this.deps.registry.client(connection);
    const record = await table.get('incident', event.incidentSysId, { fields: ['correlation_id'], signal });
    return { correlationId: typeof record.correlation_id === 'string' ? record.correlation_id : null };
  }
}
