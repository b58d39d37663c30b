import { IncidentSnError } from '../../shared/errors';
import { EVENT_TYPE, EVENT_TYPES } from '../../server/contract/push-event';
import { randomUUID } from 'node:crypto';
import { describeError } from '../../shared/errors';
import type { Connection } from '../store';
import type { StoredInboundEvent, SyncRepositories, TimelineUpdate } from '../store/sync-store';
import { backoffDelayMs } from '../../server/lib/backoff';
import { applyRecordChange } from './apply-record-change';
import { applyFollowUpChange } from './apply-follow-up-change';
import { ConcurrentChangeError, LeaseLostError, retryOnConflict } from './errors';
import { incidentValuesFrom } from './inbound-decision';
import { shouldDeclare } from './mapping';
import type { QueueWorkerDeps } from './worker-deps';
import { TRACKED_FIELDS, type InboundChange } from './servicenow-record';
import { fetchAttachment, type FetchedAttachment } from './attachment-fetch';
import { StoredDataError } from '../store/errors';
import { tracePoint } from '../../shared/latency-trace';

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/** The stored payload as a change, checked: what the apply path reads must be there (never a null deep inside). */
export function inboundChangeOf(event: Pick<StoredInboundEvent, 'id' | 'payload'>): InboundChange {
  const bad = (problem: string) => new StoredDataError('sync_inbound_events', event.id, 'payload', problem);
  const change = event.payload as Partial<InboundChange> | null;
  if (!change || typeof change !== 'object') throw bad('not an object');
  if (typeof change.type !== 'string' || !KNOWN_TYPES.has(change.type)) throw bad(`unknown type ${JSON.stringify(change.type)}`);
  if (typeof change.sequence !== 'number' || !Number.isSafeInteger(change.sequence)) throw bad('sequence is not an integer');
  if (typeof change.occurredAt !== 'string') throw bad('occurredAt is missing');
  const record = change.record as Partial<InboundChange['record']> | null | undefined;
  if (!record || typeof record !== 'object' || !record.snapshot || typeof record.snapshot !== 'object') throw bad('record.snapshot is missing');
  if (change.type === EVENT_TYPE.journal && change.journal !== undefined && (change.journal === null || typeof change.journal !== 'object')) {
    throw bad('journal is not an object');
  }
  if (change.type === EVENT_TYPE.attachment && (!change.attachment || typeof change.attachment !== 'object' || typeof change.attachment.sysId !== 'string')) {
    throw bad('attachment is missing');
  }
  return change as InboundChange;
}

/**
 * Applies stored ServiceNow changes to incident.io, one claimed event at a time, each in one
 * transaction with its "done" mark: a crash before the commit leaves the event pending (applied
 * later, once), a crash after it leaves nothing to redo. Applying never queues a write to
 * ServiceNow (no echo).
 */

export interface InboundProcessorDeps extends QueueWorkerDeps {
  /** Attempts before an event that keeps failing is set aside as failed. */
  maxAttempts: number;
}

/** What applying one event did. */
export const INBOUND_OUTCOMES = [
  'applied',
  'declared',
  'adopted',
  'deleted',
  'stale',
  'duplicate',
  'no_change',
  'conflict',
  'own_write',
  'unlinked',
  'link_deleted',
] as const;
export type InboundOutcome = (typeof INBOUND_OUTCOMES)[number];

const CHANGING_OUTCOMES: ReadonlySet<InboundOutcome> = new Set(['applied', 'declared', 'adopted', 'deleted']);

interface Prepared {
  /** For an unlinked record the mapping declares: its correlation_id (ours when incident.io created it). */
  correlationId: string | null;
  /** An attachment of a linked incident not stored yet: what the Attachment API gave. */
  attachment?: FetchedAttachment;
}

function sameUser(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export class InboundProcessor {
  constructor(private readonly deps: InboundProcessorDeps) {}

  /** Claims and applies one event; false when there was none to claim. */
  async step(signal: AbortSignal): Promise<boolean> {
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

  private setAside(err: StoredDataError, event?: StoredInboundEvent): void {
    this.deps.metrics.eventsProcessed.inc({ connection: event?.connectionId ?? 'unknown', source: event?.source ?? 'unknown', type: event?.type ?? 'unknown', outcome: 'failed' });
    this.deps.logger.error({ table: err.table, row: err.rowId, column: err.column, event: event?.eventId, err: err.message }, 'a stored ServiceNow change cannot be read; set aside as failed');
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
      const outcome = await retryOnConflict(() =>
        store.sync.transaction(async (tx) => {
          tracePoint('c.tx.begun');
          const result = await this.apply(tx, event, change, connection, prepared);
          tracePoint('c.tx.applied');
          if (!(await tx.inbound.finish(event.id, owner, result, this.deps.clock()))) throw new LeaseLostError(`event ${event.eventId}`);
          return result;
        }, { incident: () => this.incidentKeyOf(event) }),
      );
      tracePoint('c.applied');
      metrics.eventsProcessed.inc({ connection: connection.name, source: event.source, type: event.type, outcome });
      if (CHANGING_OUTCOMES.has(outcome)) {
        metrics.eventsApplied.inc({ connection: connection.name, source: event.source });
        metrics.syncLag.observe({ source: event.source }, Math.max(0, (this.deps.clock().getTime() - event.occurredAt.getTime()) / 1000));
      }
      logger.debug({ event: event.eventId, type: event.type, sysId: event.incidentSysId, outcome }, 'applied a ServiceNow change');
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
    if (change.type === EVENT_TYPE.attachment) return this.prepareAttachment(event, change, connection, signal);
    if (change.type !== EVENT_TYPE.created && change.type !== EVENT_TYPE.updated) return { correlationId: null };
    // A follow-up's record is never declared as an incident.
    if (await this.deps.store.sync.followUps.getBySysId(event.connectionId, event.incidentSysId)) return { correlationId: null };
    if (!shouldDeclare(this.deps.mapping, { priority: change.record.snapshot.priority ?? '', active: change.record.active })) {
      return { correlationId: null };
    }
    if (await this.deps.store.sync.incidents.getLinkBySysId(event.connectionId, event.incidentSysId)) return { correlationId: null };
    if (change.record.correlationId !== null) return { correlationId: change.record.correlationId };
    // Pushes do not carry correlation_id: a record incident.io created (its answer lost) must be adopted, not declared twice.
    const { table } = this.deps.registry.client(connection);
    const record = await table.get('incident', event.incidentSysId, { fields: ['correlation_id'], signal });
    return { correlationId: typeof record.correlation_id === 'string' ? record.correlation_id : null };
  }

  /**
   * Fetches a new attachment of a linked incident, outside the transaction. One already stored is
   * not fetched again (a duplicate push, a retry after the commit); the unique (incident, file)
   * index keeps a concurrent second fetch from storing it twice.
   */
  private async prepareAttachment(event: StoredInboundEvent, change: InboundChange, connection: Connection, signal: AbortSignal): Promise<Prepared> {
    const attachment = change.attachment;
    if (!attachment) return { correlationId: null };
    const link = await this.deps.store.sync.incidents.getLinkBySysId(event.connectionId, event.incidentSysId);
    if (!link || link.state === 'deleted') return { correlationId: null };
    if (await this.deps.store.sync.attachments.has(link.incidentId, attachment.sysId)) return { correlationId: null };
    const { http } = this.deps.registry.client(connection);
    const fetched = await fetchAttachment(http, attachment.sysId, event.incidentSysId, this.deps.mapping.attachments.maxBytes, signal);
    return { correlationId: null, attachment: fetched };
  }

  private async apply(
    tx: SyncRepositories,
    event: StoredInboundEvent,
    change: InboundChange,
    connection: Connection,
    prepared: Prepared,
  ): Promise<InboundOutcome> {
    const now = this.deps.clock();
    const link = await tx.incidents.getLinkBySysId(event.connectionId, event.incidentSysId);
    if (!link) {
      const followUp = await tx.followUps.getBySysId(event.connectionId, event.incidentSysId);
      if (followUp) {
        const byIntegrationUser = sameUser(change.record.updatedBy, connection.integrationUser);
        return applyFollowUpChange(tx, { followUp, change, mapping: this.deps.mapping.followUps, byIntegrationUser, now });
      }
      return this.applyUnlinked(tx, event, change, connection, prepared, now);
    }
    if (link.state === 'deleted') return 'link_deleted';
    const incident = await tx.incidents.getIncident(link.incidentId);
    if (!incident) return 'unlinked';

    if (change.type === EVENT_TYPE.deleted) {
      await tx.incidents.updateLink(link.incidentId, { state: 'deleted', deletedAt: now }, now);
      await tx.outbound.cancelPending(link.incidentId, now);
      await tx.incidents.insertUpdate(
        this.notice(incident.id, `The ServiceNow incident ${link.number} was deleted in ServiceNow; this incident is no longer synced with it.`, now),
      );
      return 'deleted';
    }

    if (change.type === EVENT_TYPE.journal) {
      const journal = change.journal;
      if (!journal) return 'no_change';
      if (sameUser(journal.author, connection.integrationUser)) return 'own_write';
      const inserted = await tx.incidents.insertUpdate({
        id: randomUUID(),
        incidentId: incident.id,
        source: 'servicenow',
        kind: journal.element === 'comments' ? 'comment' : 'work_note',
        author: journal.author || null,
        message: journal.value,
        journalSysId: journal.sysId,
        occurredAt: new Date(journal.createdAt || change.occurredAt),
        createdAt: now,
      });
      return inserted ? 'applied' : 'duplicate';
    }

    if (change.type === EVENT_TYPE.attachment) {
      const attachment = change.attachment;
      const fetched = prepared.attachment;
      if (!attachment || !fetched) return 'duplicate';
      const inserted = await tx.attachments.insert(
        {
          id: randomUUID(),
          incidentId: incident.id,
          attachmentSysId: attachment.sysId,
          fileName: fetched.fileName || attachment.fileName,
          declaredType: fetched.declaredType,
          contentType: fetched.contentType,
          sizeBytes: fetched.status === 'gone' ? attachment.sizeBytes : fetched.sizeBytes,
          author: fetched.author ?? (attachment.author || null),
          status: fetched.status,
          reason: fetched.reason,
          link: fetched.link,
          occurredAt: new Date(fetched.createdAt || attachment.createdAt || change.occurredAt),
          createdAt: now,
        },
        fetched.data,
      );
      return inserted ? 'applied' : 'duplicate';
    }

    const byIntegrationUser = sameUser(change.record.updatedBy, connection.integrationUser);
    const decision = await applyRecordChange(tx, { incident, link, change, mapping: this.deps.mapping, byIntegrationUser, now });
    if (decision.outcome === 'no_change' && change.changedFields === null && byIntegrationUser) {
      return 'own_write';
    }
    return decision.outcome;
  }

  private async applyUnlinked(
    tx: SyncRepositories,
    event: StoredInboundEvent,
    change: InboundChange,
    connection: Connection,
    prepared: Prepared,
    now: Date,
  ): Promise<InboundOutcome> {
    if (change.type !== EVENT_TYPE.created && change.type !== EVENT_TYPE.updated) return 'unlinked';
    if (!shouldDeclare(this.deps.mapping, { priority: change.record.snapshot.priority ?? '', active: change.record.active })) return 'unlinked';
    if (sameUser(change.record.updatedBy, connection.integrationUser) && change.record.correlationId === null && prepared.correlationId === null) {
      return 'own_write';
    }
    const linkOf = (incidentId: string) => ({
      incidentId,
      connectionId: connection.id,
      sysId: event.incidentSysId,
      number: change.record.number,
      lastAppliedModCount: change.sequence,
      lastWrittenModCount: -1,
      snapshot: { ...change.record.snapshot },
    });

    // A record incident.io created itself (the answer to its create was lost): link it, do not declare it again.
    if (prepared.correlationId) {
      const ours = await tx.incidents.getIncident(prepared.correlationId);
      if (ours && !(await tx.incidents.getLink(ours.id))) {
        if (!(await tx.incidents.insertLink(linkOf(ours.id), now))) throw new ConcurrentChangeError(`the link of ${change.record.number}`);
        return 'adopted';
      }
      if (ours) return 'unlinked';
    }

    const values = incidentValuesFrom(TRACKED_FIELDS, change.record.snapshot, undefined, this.deps.mapping);
    const id = randomUUID();
    const referenceNumber = await tx.incidents.nextReferenceNumber();
    const incident = await tx.incidents.insertIncident({
      id,
      referenceNumber,
      connectionId: connection.id,
      name: values.name || change.record.number,
      summary: values.summary ?? '',
      status: values.status ?? 'triage',
      severity: values.severity ?? 'minor',
      lead: values.lead ?? null,
      createdAt: now,
      updatedAt: now,
    });
    // Two workers declaring the same record: the unique (connection, sys_id) lets one link; the other rolls back.
    if (!(await tx.incidents.insertLink(linkOf(id), now))) throw new ConcurrentChangeError(`the link of ${change.record.number}`);
    await tx.incidents.insertUpdate(
      this.notice(
        incident.id,
        `Declared from ServiceNow incident ${change.record.number} (priority ${change.record.snapshot.priority ?? '?'}) on "${connection.name}".`,
        now,
      ),
    );
    return 'declared';
  }

  private notice(incidentId: string, message: string, at: Date): TimelineUpdate {
    return {
      id: randomUUID(),
      incidentId,
      source: 'companion',
      kind: 'notice',
      author: null,
      message,
      journalSysId: null,
      occurredAt: at,
      createdAt: at,
    };
  }
}
