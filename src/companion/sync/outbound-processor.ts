// Why one file of over 500 lines: it is one step of the outbound queue, read top to bottom: claim a
// write, make it against ServiceNow, and record what it produced with its done mark in the same
// transaction, fenced by the lease. The failure plan (planFailure) is a separate pure function
// already; the rest shares the claimed write's state and its transaction, so splitting it would pass
// that state between files.

import { pauseAfterRateLimit } from './rate-limit-pause';
import { IncidentSnError } from '../../shared/errors';
import { randomUUID } from 'node:crypto';
import { describeError } from '../../shared/errors';
import {
  NotServiceNowError,
  ServiceNowAuthenticationError,
  ServiceNowRequestAbortedError,
  ServiceNowHttpError,
  ServiceNowNetworkError,
  ServiceNowRateLimitError,
  ServiceNowServerError,
  ServiceNowTimeoutError,
  type TableClient,
} from '../client';
import type { Connection } from '../store';
import { StoredDataError } from '../store/errors';
import type { FieldChange, IncidentLink, IncidentValues, OutboundOp, OutboundPayload, OwnWrites, StoredIncident, SyncedField, SyncRepositories, TimelineUpdate } from '../store/sync-store';
import { backoffDelayMs } from '../../server/lib/backoff';
import type { ConnectionProblems } from './connection-problems';
import { ConcurrentChangeError, LeaseLostError, retryOnConflict } from './errors';
import { applyRecordChange } from './apply-record-change';
import { isEmptyUpdate, withoutFields } from './coalesce';
import { decideQueuedWrite, incidentValuesFrom, laterChangeQueued, readMayMislead, SERVICENOW_FIELDS_OF, serviceNowWins } from './inbound-decision';
import { assertOwnWrite, lastAttemptLanded, mergeOwnWrite, ownEarlierAttempt } from './own-writes';
import { OUTBOX_PULL_LIMIT, pullOwedEvents, type OutboxPullDeps } from './outbox-pull';
import type { QueueWorkerDeps } from './worker-deps';
import { INCIDENT_READ_FIELDS, versionFromRow, type ServiceNowVersion, type TrackedField } from './servicenow-record';
import type { ServiceNowLookups } from './servicenow-lookups';
import { performWrite, type WriteOutcome } from './servicenow-writer';
import { writeFollowUp, type FollowUpWriteOutcome } from './follow-up-writer';
import type { FollowUp } from '../store/follow-up-store';

/**
 * Sends the outbound queue to ServiceNow: claims the first due write of an incident whose earlier
 * writes are finished (per-incident order), makes it, and records what it produced (the link, the
 * sys_mod_count) in one transaction with its "done" mark. Failures that can pass (no answer, 5xx,
 * 429, an expired token) are retried with backoff and jitter, forever: nothing is dropped while
 * ServiceNow is down. A refusal that cannot pass (403, 404, 400) ends the write as dead and says
 * so on the incident's timeline.
 */

export interface OutboundProcessorDeps extends QueueWorkerDeps {
  lookups: ServiceNowLookups;
  /**
   * How long a write that got no answer waits before it is tried again (and its outcome looked up):
   * long enough for the instance to have finished the request it may still be processing.
   */
  unansweredGraceMs: number;
  /** While a connection is rate-limited, one write probes it this often. */
  rateLimitProbeMs: number;
  /** Sign-in refusals, for /healthz (a person must fix them). */
  problems: ConnectionProblems;
  /** How long a write waits for the app's pushes of ServiceNow versions its read found (sync-timings.ts). */
  pushWaitMs: number;
  /** How soon a write waiting for pushes looks again. */
  idleMs: number;
  /** Events read from the app's outbox were stored: the inbound workers have work. */
  onEventsStored: () => void;
  /** Stores the events read from the app's outbox together (the engine's group commit); without it, one by one. */
  recordInbound?: OutboxPullDeps['recordInbound'];
}

/** redecide's answer when the write waits for the pushes that say when each field changed: since when it waits (kept with the write). */
interface AwaitingPushes {
  awaiting: NonNullable<OutboundPayload['awaiting']>;
}

/** How a failed attempt is handled. */
export interface FailurePlan {
  retry: boolean;
  /** The write may have been made although no answer said so. */
  ambiguous: boolean;
  /** No answer at all: the instance may still be working on the request. */
  unanswered: boolean;
  retryAfterSeconds?: number;
  status: number | null;
  /** Stop sending to this connection for a while (rate limit). */
  pauseConnection: boolean;
}

export function planFailure(err: unknown): FailurePlan {
  const answered = (ambiguous: boolean, status: number | null, retry = true): FailurePlan => ({ retry, ambiguous, unanswered: false, status, pauseConnection: false });
  if (err instanceof ServiceNowRateLimitError) {
    return { ...answered(false, 429), pauseConnection: true, ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}) };
  }
  // A 5xx answer: the instance is done with the request, which may or may not have been committed.
  if (err instanceof ServiceNowServerError || err instanceof NotServiceNowError) return answered(true, err.status);
  if (err instanceof ServiceNowAuthenticationError) return answered(false, err.status);
  if (err instanceof ServiceNowHttpError) return answered(false, err.status, false);
  if (err instanceof ServiceNowTimeoutError) {
    return err.phase === 'connect' ? answered(false, null) : { retry: true, ambiguous: true, unanswered: true, status: null, pauseConnection: false };
  }
  if (err instanceof ServiceNowNetworkError) {
    if (err.failure === 'connection_refused' || err.failure === 'dns') return answered(false, null);
    return { retry: true, ambiguous: true, unanswered: true, status: null, pauseConnection: false };
  }
  // Cancelled (shutdown) while it waited for the rate limit: this request never left.
  if (err instanceof ServiceNowRequestAbortedError && !err.mayHaveBeenProcessed) return answered(false, null);
  // Cancelled (shutdown) otherwise, or anything else (a bug, the database): assume the worst.
  return { retry: true, ambiguous: true, unanswered: true, status: null, pauseConnection: false };
}

function notice(incidentId: string, message: string, at: Date): TimelineUpdate {
  return { id: randomUUID(), incidentId, source: 'companion', kind: 'notice', author: null, message, journalSysId: null, occurredAt: at, createdAt: at };
}

const KIND_WORDS: Record<OutboundOp['kind'], string> = {
  create: 'create the ServiceNow incident',
  update: 'update the ServiceNow incident',
  note: 'add a work note or comment to the ServiceNow incident',
  follow_up: "write a follow-up's ServiceNow record",
};

export class OutboundProcessor {
  constructor(private readonly deps: OutboundProcessorDeps) {}

  /**
   * Claims and sends one write; false when none was due. A rate-limited connection (a row in
   * sync_connection_pauses, so a restart neither forgets nor hammers) gets nothing but its probe:
   * one write when the probe is due, taken by one worker of one process. If it passes, the pause
   * ends and the backlog moves at once; if not, the pause is extended.
   */
  async step(signal: AbortSignal): Promise<boolean> {
    const { store, owner, leaseMs } = this.deps;
    const now = this.deps.clock();
    for (const pause of await store.sync.pauses.list()) {
      if (pause.nextProbeAt > now) continue;
      if (!(await store.sync.pauses.takeProbe(pause.connectionId, now, new Date(now.getTime() + this.deps.rateLimitProbeMs)))) continue;
      const probe = await store.sync.outbound.claim({ owner, now, leaseMs, onlyConnection: pause.connectionId });
      if (!probe) continue;
      this.deps.logger.info({ connection: pause.connectionId, op: probe.id }, 'probing a rate-limited ServiceNow connection with one write');
      await this.process(probe, signal, true);
      return true;
    }
    let op: OutboundOp | undefined;
    try {
      op = await store.sync.outbound.claim({ owner, now, leaseMs });
    } catch (err) {
      // The store set the unreadable write aside as dead already.
      if (!(err instanceof StoredDataError)) throw err;
      this.deps.logger.error({ table: err.table, row: err.rowId, column: err.column, err: err.message }, 'a queued write cannot be read; set aside as dead');
      return true;
    }
    if (!op) return false;
    await this.process(op, signal, false);
    return true;
  }

  private async process(op: OutboundOp, signal: AbortSignal, probe: boolean): Promise<void> {
    const { store, owner, metrics, logger } = this.deps;
    const sync = store.sync;
    const connection = await this.deps.registry.byId(op.connectionId);
    const label = connection?.name ?? op.connectionId;
    const incident = await sync.incidents.getIncident(op.incidentId);
    const link = await sync.incidents.getLink(op.incidentId);

    const finishWithout = async (reason: string, result: 'noop' | 'dead'): Promise<void> => {
      const at = this.deps.clock();
      await sync.transaction(async (tx) => {
        const ok =
          result === 'dead'
            ? await tx.outbound.kill(op.id, owner, { error: reason, status: null, at })
            : await tx.outbound.complete(op.id, owner, { modCount: null, status: null, at });
        if (!ok) throw new LeaseLostError(`write ${op.id}`);
        if (result === 'dead' && incident) await tx.incidents.insertUpdate(notice(incident.id, `Could not ${KIND_WORDS[op.kind]}: ${reason}`, at));
      }, { incident: op.incidentId });
      metrics.outboundWrites.inc({ connection: label, kind: op.kind, result });
    };

    try {
      if (!incident) return await finishWithout('the incident no longer exists', 'noop');
      if (!connection) throw new IncidentSnError('the connection of this write cannot be read (see the log about its secrets)', { code: 'connection_unreadable' });
      if (op.kind === 'create' && link) return await finishWithout('already linked', 'noop');
      if (link?.state === 'deleted') return await finishWithout('the ServiceNow incident was deleted', 'noop');
      if (op.kind !== 'create' && !link) {
        return await finishWithout('there is no ServiceNow incident to write to (creating it failed; see the timeline)', 'dead');
      }
      const { table } = this.deps.registry.client(connection);
      if (op.kind === 'follow_up') {
        const followUp = op.payload.followUp ? await sync.followUps.get(op.payload.followUp.id) : undefined;
        if (!followUp) return await finishWithout('the follow-up no longer exists', 'noop');
        const ctx = { connection, table, incident, link, mapping: this.deps.mapping, lookups: this.deps.lookups, signal };
        const outcome = await writeFollowUp(ctx, op, followUp, this.deps.mapping.followUps);
        await this.recordFollowUp(op, incident, followUp, outcome);
        return await this.succeeded(op, label, outcome.adopted ? 'adopted' : 'done', incident, probe);
      }
      let current = { op, incident, link };
      if (op.kind === 'update' && link) {
        const decided = await this.redecide(op, link, table, connection, signal);
        if ('awaiting' in decided) {
          // The read passed: a probe that waits for pushes has still shown the rate limit was lifted.
          if (probe && (await sync.pauses.resume(op.connectionId))) logger.info({ connection: label }, 'the ServiceNow rate limit was lifted (a probe passed); sending resumes');
          return await this.awaitPushes(op, decided.awaiting);
        }
        current = decided;
        if (isEmptyUpdate(current.op.payload)) return await finishWithout('every field it would write was changed later in ServiceNow', 'noop');
      }
      const outcome = await performWrite(
        { connection, table, incident: current.incident, link: current.link, mapping: this.deps.mapping, lookups: this.deps.lookups, signal },
        current.op,
      );
      await this.record(current.op, current.incident, connection, outcome, current.link?.lastAppliedModCount ?? null);
      const result = outcome.kind === 'created' && outcome.adopted ? 'adopted' : outcome.version === null && outcome.kind === 'updated' ? 'noop' : 'done';
      await this.succeeded(op, label, result, incident, probe);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        logger.warn({ op: op.id }, err.message);
        return;
      }
      await this.fail(op, incident, label, err);
    }
  }

  private async succeeded(op: OutboundOp, label: string, result: 'done' | 'adopted' | 'noop', incident: StoredIncident, probe: boolean): Promise<void> {
    const { metrics, logger } = this.deps;
    metrics.outboundWrites.inc({ connection: label, kind: op.kind, result });
    logger.debug({ op: op.id, kind: op.kind, incident: incident.reference, result }, 'wrote to ServiceNow');
    this.deps.problems.cleared(label);
    if (probe && (await this.deps.store.sync.pauses.resume(op.connectionId))) {
      logger.info({ connection: label }, 'the ServiceNow rate limit was lifted (a probe passed); sending resumes');
    }
  }

  /** Records a follow-up's write with its "done" mark: the record it made (or the version it made), unless a later version was applied meanwhile. */
  private async recordFollowUp(op: OutboundOp, incident: StoredIncident, followUp: FollowUp, outcome: FollowUpWriteOutcome): Promise<void> {
    const { owner } = this.deps;
    await this.deps.store.sync.transaction(async (tx) => {
      const at = this.deps.clock();
      if (!(await tx.outbound.complete(op.id, owner, { modCount: outcome.record.modCount, status: outcome.status, at }))) throw new LeaseLostError(`write ${op.id}`);
      const current = await tx.followUps.get(followUp.id);
      if (current && (current.record === null || current.record.modCount < outcome.record.modCount)) await tx.followUps.setRecord(followUp.id, outcome.record, at);
      for (const text of outcome.notices) await tx.incidents.insertUpdate(notice(incident.id, text, at));
      if (outcome.created && !outcome.adopted) {
        await tx.incidents.insertUpdate(notice(incident.id, `Follow-up "${followUp.title}" is ServiceNow ${outcome.record.table} ${outcome.record.number}.`, at));
      }
    }, { incident: op.incidentId });
  }

  /**
   * Re-decides a field write before it is sent (docs/sync.md, "Versioned writes"). The record is
   * read first and a version the companion has not applied yet is applied like any change (this
   * write held, so ServiceNow's later changes drop its fields; when an earlier attempt may have
   * reached ServiceNow, a retry or a crash, what it set is recognised as the companion's own). Then every
   * field a later ServiceNow change beat (the link's field versions) is dropped, and the incident
   * takes ServiceNow's value: an older write never overwrites a newer change.
   */
  private async redecide(
    op: OutboundOp,
    link: IncidentLink,
    table: TableClient,
    connection: Connection,
    signal: AbortSignal,
  ): Promise<{ op: OutboundOp; incident: StoredIncident; link: IncidentLink } | AwaitingPushes> {
    const { owner, mapping } = this.deps;
    const sync = this.deps.store.sync;
    const integrationUser = connection.integrationUser;
    // Always read the record first: ServiceNow's changes reach the companion late whenever the app's
    // pushes wait (the companion was down, the webhook failed, the outbox is behind) or between polls,
    // and a write decided only on what the companion has heard of would overwrite them.
    const mayHaveLanded = op.ambiguous || op.attempts > 1;
    const row = await table.get('incident', link.sysId, { fields: [...INCIDENT_READ_FIELDS], excludeReferenceLink: true, signal });
    const version = versionFromRow(row);
    const byIntegrationUser = version.updatedBy.trim().toLowerCase() === integrationUser.trim().toLowerCase();
    const newer = version.modCount > link.lastAppliedModCount;
    // A field a queued write sets that a version showed changed at an unknown time (decideRecordChange), or a read that cannot
    // tell. Every open write of the incident counts, not only this one: the read is applied to all of them, and its time would
    // otherwise drop a later write's field for a ServiceNow change older than it (the PostgreSQL fault suite found this: a
    // write left with no field of its own read the record and dropped the next write's summary).
    const open = newer ? await sync.outbound.listOpen(op.incidentId) : [];
    const writes = [op, ...open.filter((o) => o.id !== op.id)];
    const unsettled = [...new Set(writes.flatMap((w) => unsettledFieldsOf(w, link)))];
    const misleading = newer && writes.some((w) => readMayMislead(w.payload.fields ?? {}, version));
    this.deps.logger.debug(
      { op: op.id, fields: Object.keys(op.payload.fields ?? {}), read: version.modCount, applied: link.lastAppliedModCount, updatedAt: version.updatedAt, unsettled, misleading },
      'a write read its record before sending',
    );
    // The wait for pushes is kept with the write (since when), so a replica that takes it over keeps
    // its bound. A record people keep changing can keep a write waiting that long; then the read's
    // time would decide wrongly (it is when the record last changed, not the field), so the write is
    // decided on the pushes applied, and a later change it overwrites is restored when its push comes
    // (the link's own writes).
    const waited = op.payload.awaiting;
    const waitOver = waited !== undefined && this.deps.clock().getTime() - Date.parse(waited.since) >= this.deps.pushWaitMs;
    const skipRead = misleading && waitOver && unsettled.length === 0;
    if ((unsettled.length > 0 || misleading) && !waitOver) {
      const awaiting = await this.shouldAwaitPushes(op, link, connection, table, signal);
      if (awaiting) return { awaiting };
    }
    // What the last attempt sent that the record holds: it may have landed, its answer never recorded.
    const landed = mayHaveLanded ? lastAttemptLanded(op, version, mapping) : [];
    if (skipRead && landed.length === 0) {
      this.deps.logger.info({ op: op.id, read: version.modCount, applied: link.lastAppliedModCount }, "the record kept changing while the write waited for its pushes; decided on the pushes applied, not the read's time");
    } else if (newer || unsettled.length > 0 || landed.length > 0) {
      await retryOnConflict(() =>
        sync.transaction(async (tx) => {
          const [fresh, incident] = [await tx.incidents.getLink(op.incidentId), await tx.incidents.getIncident(op.incidentId)];
          if (!fresh || !incident) return;
          const at = this.deps.clock();
          const decision = await applyRecordChange(tx, {
            incident,
            link: fresh,
            change: { sequence: version.modCount, occurredAt: version.updatedAt, record: version, changedFields: null },
            mapping,
            // What this write's own earlier attempt set is not someone else's change: it must not beat this write or later ones.
            exclude: mayHaveLanded ? [...new Set([...ownEarlierAttempt(op, version, mapping), ...landed])] : [],
            byIntegrationUser,
            held: { opId: op.id, owner },
            now: at,
          });
          if (decision.dropFromOps.length > 0) this.deps.logger.debug({ op: op.id, version: version.modCount, dropped: decision.dropFromOps }, 'the read before a write dropped queued fields');
          if (landed.length > 0) await this.recordLandedAttempt(tx, op, fresh, landed, version.modCount, at);
        }, { incident: op.incidentId }),
      );
    }
    return retryOnConflict(() =>
      sync.transaction(async (tx) => {
        const [fresh, incident, open] = [await tx.incidents.getLink(op.incidentId), await tx.incidents.getIncident(op.incidentId), await tx.outbound.listOpen(op.incidentId)];
        const mine = open.find((o) => o.id === op.id);
        if (!fresh || !incident || !mine || mine.leaseOwner !== owner) throw new LeaseLostError(`write ${op.id}`);
        const later = open.filter((o) => o.seq > mine.seq).flatMap((o) => Object.keys(o.payload.fields ?? {}) as SyncedField[]);
        const decision = decideQueuedWrite({ incident, link: fresh, fields: mine.payload.fields ?? {}, mapping, setLater: new Set(later) });
        const at = this.deps.clock();
        const remaining = decision.drop.length === 0 ? mine.payload : withoutFields(mine.payload, decision.drop);
        // Kept before the send: if its answer is never recorded, the next attempt knows what may have landed and on what it was decided.
        const { awaiting: _waited, ...settled } = remaining;
        const payload = isEmptyUpdate(settled) ? settled : { ...settled, lastAttempt: { decidedOn: fresh.lastAppliedModCount, fields: settled.fields ?? {} } };
        if (!(await tx.outbound.replaceClaimedPayload(op.id, owner, payload, at))) throw new LeaseLostError(`write ${op.id}`);
        if (decision.drop.length === 0) return { op: { ...mine, payload }, incident, link: fresh };
        let updated = incident;
        if (Object.keys(decision.incidentChanges).length > 0) {
          if (!(await tx.incidents.updateIncident(incident.id, incident.version, decision.incidentChanges, at))) {
            throw new ConcurrentChangeError(`incident ${incident.reference}`);
          }
          updated = { ...incident, ...decision.incidentChanges, version: incident.version + 1 };
        }
        this.deps.logger.info({ op: op.id, incident: incident.reference, dropped: decision.drop }, 'a queued write lost fields to later ServiceNow changes; they are not sent');
        return { op: { ...mine, payload }, incident: updated, link: fresh };
      }, { incident: op.incidentId }),
    );
  }

  /**
   * Records the landing of this write's last attempt, whose answer was never recorded (its process
   * died, or no answer came), as record() would have: the fields it landed are the companion's own
   * from the version it was decided on to the version read now, so a change by someone else in
   * between that is later than incident.io's change it carried was overwritten and is restored now
   * (its push applied already) or when its push comes (the link's own writes). The attempt is then
   * forgotten, so a second takeover does not restore twice.
   */
  private async recordLandedAttempt(tx: SyncRepositories, op: OutboundOp, before: IncidentLink, landed: readonly TrackedField[], read: number, at: Date): Promise<void> {
    const attempt = op.payload.lastAttempt;
    const link = await tx.incidents.getLink(op.incidentId);
    const current = (await tx.outbound.listOpen(op.incidentId)).find((o) => o.id === op.id);
    if (!attempt || !link || !current) return;
    const ownWrites: OwnWrites = { ...link.ownWrites };
    for (const [key, change] of Object.entries(attempt.fields) as Array<[SyncedField, FieldChange | undefined]>) {
      if (!change) continue;
      for (const field of SERVICENOW_FIELDS_OF[key]) {
        if (landed.includes(field)) ownWrites[field] = mergeOwnWrite(ownWrites[field], { decidedOn: attempt.decidedOn, landed: read, changedAt: change.changedAt });
      }
    }
    await tx.incidents.updateLink(op.incidentId, { ownWrites }, at);
    const { lastAttempt: _recorded, ...payload } = current.payload;
    if (!(await tx.outbound.replaceClaimedPayload(op.id, this.deps.owner, payload, at))) throw new LeaseLostError(`write ${op.id}`);
    this.deps.logger.info({ op: op.id, fields: landed, decidedOn: attempt.decidedOn, read }, "a write's earlier attempt landed without its answer recorded; recorded now");
    await this.restoreOverwritten(tx, op.incidentId, before, { id: op.id, payload: { fields: attempt.fields } }, landed, attempt.decidedOn, read, at);
  }

  /**
   * Whether to wait for the app's pushes before deciding: a read shows the values now and when the
   * record last changed, not when each field changed, nor a field set and set back; the pushes of
   * the versions in between do (readMayMislead), as they do for an unsettled field. Only a real-time
   * connection is owed pushes. The app's undelivered events of the record are read from its outbox
   * and stored at once (pullOwedEvents), so the wait lasts until the inbound workers have applied
   * them, not until the app's retries deliver them; nothing owed, no wait. Bounded by pushWaitMs
   * from the first wait (an outbox that cannot be read: its pushes are awaited that long), then the
   * write is decided on the pushes applied.
   */
  private async shouldAwaitPushes(
    op: OutboundOp,
    link: IncidentLink,
    connection: Connection,
    table: TableClient,
    signal: AbortSignal,
  ): Promise<AwaitingPushes['awaiting'] | undefined> {
    if (connection.mode !== 'realtime') return undefined;
    const now = this.deps.clock().getTime();
    // Kept with the write, so the bound holds when another process takes the write over.
    const since = op.payload.awaiting ? Date.parse(op.payload.awaiting.since) : now;
    if (now - since >= this.deps.pushWaitMs) return undefined;
    let owed = true;
    try {
      const pulled = await pullOwedEvents(
        { store: this.deps.store, metrics: this.deps.metrics, clock: this.deps.clock, onStored: this.deps.onEventsStored, recordInbound: this.deps.recordInbound },
        { connection, table, sysId: link.sysId, signal },
      );
      // Every undelivered event is now stored (unless there were more than one read takes): owed until applied.
      owed = pulled.found >= OUTBOX_PULL_LIMIT || (await this.deps.store.sync.inbound.hasOpenForIncident(connection.id, link.sysId));
      if (pulled.stored > 0) this.deps.logger.info({ op: op.id, sysId: link.sysId, events: pulled.stored }, "read ServiceNow changes from the app's outbox before their pushes came");
      else this.deps.logger.debug({ op: op.id, sysId: link.sysId, found: pulled.found, owed }, "the app's outbox had nothing new for the record");
    } catch (err) {
      if (err instanceof ServiceNowRateLimitError || err instanceof ServiceNowAuthenticationError) throw err;
      this.deps.logger.warn({ op: op.id, err: describeError(err) }, "could not read the app's outbox; waiting for its pushes instead");
    }
    if (!owed) return undefined;
    return op.payload.awaiting ?? { since: new Date(since).toISOString() };
  }

  /** Gives the write back, due again shortly: by then the pushes are applied, or the wait is over. */
  private async awaitPushes(op: OutboundOp, awaiting: AwaitingPushes['awaiting']): Promise<void> {
    const now = this.deps.clock();
    // Stored once, at the first wait: later rounds keep its start.
    if (!op.payload.awaiting && !(await this.deps.store.sync.outbound.replaceClaimedPayload(op.id, this.deps.owner, { ...op.payload, awaiting }, now))) {
      throw new LeaseLostError(`write ${op.id}`);
    }
    await this.deps.store.sync.outbound.retry(op.id, this.deps.owner, {
      nextAttemptAt: new Date(now.getTime() + this.deps.idleMs),
      error: 'waiting for the ServiceNow changes the app has not pushed yet, to decide which change is later',
      status: null,
      now,
    });
    this.deps.logger.debug({ op: op.id }, 'a write waits for pushes of ServiceNow versions its read found');
  }

  private async fail(op: OutboundOp, incident: StoredIncident | undefined, label: string, err: unknown): Promise<void> {
    const { store, owner, metrics, logger } = this.deps;
    // Stored data that cannot be read (the link's snapshot, the payload) will not become readable: no retries.
    const plan = err instanceof StoredDataError ? { ...planFailure(err), retry: false, status: null } : planFailure(err);
    const at = this.deps.clock();
    const message = describeError(err);
    if (err instanceof ServiceNowAuthenticationError) this.deps.problems.authenticationFailed(label, message, at);
    if (!plan.retry) {
      await store.sync.transaction(async (tx) => {
        if (!(await tx.outbound.kill(op.id, owner, { error: message, status: plan.status, at }))) return;
        if (incident) await tx.incidents.insertUpdate(notice(incident.id, `Could not ${KIND_WORDS[op.kind]}: ${message}`, at));
      }, { incident: op.incidentId });
      metrics.outboundWrites.inc({ connection: label, kind: op.kind, result: 'dead' });
      logger.error({ op: op.id, kind: op.kind, incident: incident?.reference, status: plan.status, err: message }, 'ServiceNow refused a write; it is not retried');
      return;
    }
    let delay = backoffDelayMs(this.deps.backoff, op.attempts, this.deps.random);
    if (plan.unanswered) delay = Math.max(delay, this.deps.unansweredGraceMs);
    if (plan.pauseConnection) delay = await this.pause(op, label, plan, message, at);
    await store.sync.outbound.retry(op.id, owner, {
      // A write ServiceNow rate-limited keeps its place at the head of the queue (its due time): the
      // connection's pause holds every write back, and when the pause lifts the refused writes go
      // first (the probe is the first of them), so a refused write does not meet a window the
      // backlog has used up and is not refused twice.
      nextAttemptAt: plan.pauseConnection ? op.nextAttemptAt : new Date(at.getTime() + delay),
      error: message,
      status: plan.status,
      ambiguous: plan.ambiguous,
      now: at,
    });
    metrics.outboundWrites.inc({ connection: label, kind: op.kind, result: 'retry' });
    logger.warn({ op: op.id, kind: op.kind, incident: incident?.reference, attempt: op.attempts, retryInMs: delay, err: message }, 'a write to ServiceNow failed; it is retried');
  }

  /** Pauses the connection after a 429 (pauseAfterRateLimit). Returns when this write is tried again: at the next probe. */
  private async pause(op: OutboundOp, label: string, plan: FailurePlan, message: string, at: Date): Promise<number> {
    const probeInMs = await pauseAfterRateLimit(this.deps.store.sync.pauses, {
      connectionId: op.connectionId,
      retryAfterSeconds: plan.retryAfterSeconds,
      fallbackMs: backoffDelayMs(this.deps.backoff, op.attempts, this.deps.random),
      probeMs: this.deps.rateLimitProbeMs,
      reason: message,
      at,
    });
    this.deps.logger.warn(
      { connection: label, retryAfterSeconds: plan.retryAfterSeconds, probeInMs },
      'ServiceNow rate-limited this connection; writes to it pause, and one write probes whether the limit was lifted',
    );
    return probeInMs;
  }

  /**
   * Records what a write produced, with its "done" mark, in one transaction: the link (created, or
   * its snapshot and versions). The answer to a write is the whole record at the version it made;
   * any field it did not write that differs from the snapshot was changed by someone else just
   * before (its own event is now older than our write, so stale): that change is applied here.
   */
  private async record(op: OutboundOp, incident: StoredIncident, connection: Connection, outcome: WriteOutcome, decidedOn: number | null): Promise<void> {
    const { owner } = this.deps;
    await retryOnConflict(() =>
      this.deps.store.sync.transaction(async (tx) => {
        const at = this.deps.clock();
        const modCount = outcome.version?.modCount ?? null;
        if (!(await tx.outbound.complete(op.id, owner, { modCount, status: outcome.status, at }))) throw new LeaseLostError(`write ${op.id}`);
        if (outcome.kind === 'created') {
          await this.linkCreated(tx, incident, connection, outcome.version, at);
        } else if (outcome.version) {
          const version = outcome.version;
          const link = await tx.incidents.getLink(incident.id);
          const current = await tx.incidents.getIncident(incident.id);
          if (link && current) {
            const decision = await applyRecordChange(tx, {
              incident: current,
              link,
              change: { sequence: version.modCount, occurredAt: version.updatedAt, record: version },
              mapping: this.deps.mapping,
              exclude: outcome.kind === 'updated' ? outcome.written : [],
              awaitPushes: connection.mode === 'realtime',
              linkChanges: {
                lastWrittenModCount: Math.max(link.lastWrittenModCount, version.modCount),
                ...(outcome.kind === 'updated' && decidedOn !== null ? { ownWrites: ownWritesAfter(link, op, outcome.written, decidedOn, version.modCount) } : {}),
              },
              ...(outcome.kind === 'updated' ? { ownWrite: { fields: outcome.written, modCount: version.modCount } } : {}),
              now: at,
            });
            if (decision.changed.length > 0 || decision.dropFromOps.length > 0) {
              this.deps.logger.debug(
                { op: op.id, version: version.modCount, changed: decision.changed, dropped: decision.dropFromOps, unsettled: Object.keys(decision.unsettledFields) },
                "a write's answer showed changes by others",
              );
            }
            if (outcome.kind === 'updated' && decidedOn !== null) await this.restoreOverwritten(tx, incident.id, link, op, outcome.written, decidedOn, version.modCount, at);
          }
        } else if (outcome.kind === 'updated') {
          // Nothing sent, ServiceNow held every value: the fields' own writes still take this change's time.
          const link = await tx.incidents.getLink(incident.id);
          if (link && decidedOn !== null) await tx.incidents.updateLink(incident.id, { ownWrites: ownWritesAfter(link, op, [], decidedOn, link.lastAppliedModCount) }, at);
        }
        const notices = outcome.kind === 'noted' ? [] : outcome.notices;
        for (const text of notices) await tx.incidents.insertUpdate(notice(incident.id, text, at));
      }, { incident: op.incidentId }),
    );
  }

  /**
   * ServiceNow changes this write overwrote without knowing them: applied while it was being sent
   * (between its read and its landing, so it won for then) and later than incident.io's change it
   * carried. The later change is put back: the incident takes it and a write restores it in
   * ServiceNow, with the change's time (docs/sync.md, "the window between the read and the write").
   * Not when another open write carries a later incident.io change of the field (laterChangeQueued):
   * that change stands, and the restore would be written after it.
   */
  private async restoreOverwritten(
    tx: SyncRepositories,
    incidentId: string,
    before: IncidentLink,
    op: Pick<OutboundOp, 'id' | 'payload'>,
    written: readonly string[],
    decidedOn: number,
    landed: number,
    at: Date,
  ): Promise<void> {
    const restore: Partial<Record<SyncedField, FieldChange>> = {};
    const fields: TrackedField[] = [];
    const open = await tx.outbound.listOpen(incidentId);
    for (const [key, change] of Object.entries(op.payload.fields ?? {}) as Array<[SyncedField, FieldChange | undefined]>) {
      if (!change) continue;
      const later = SERVICENOW_FIELDS_OF[key].filter((f) => {
        const version = before.fieldVersions[f];
        if (!written.includes(f) || version === undefined || version.modCount <= decidedOn || version.modCount >= landed) return false;
        return serviceNowWins(change, version) && !laterChangeQueued(open, key, version, op.id);
      });
      if (later.length === 0) continue;
      fields.push(...later);
      const latest = later.map((f) => before.fieldVersions[f]!).sort((a, b) => a.modCount - b.modCount)[later.length - 1]!;
      restore[key] = { value: null, changedAt: new Date(Date.parse(latest.at)).toISOString(), basis: { serviceNowModCount: latest.modCount, incidentVersion: 0 } };
    }
    if (fields.length === 0) return;
    const incident = await tx.incidents.getIncident(incidentId);
    const link = await tx.incidents.getLink(incidentId);
    if (!incident || !link) return;
    const values = incidentValuesFrom(fields, before.snapshot, incident, this.deps.mapping);
    const changes: Partial<IncidentValues> = {};
    for (const key of Object.keys(restore) as SyncedField[]) {
      const value = values[key];
      if (value === undefined) {
        delete restore[key];
        continue;
      }
      // Its basis is the restored change's version: a later ServiceNow change of the field beats it.
      restore[key] = { ...restore[key]!, value, basis: { serviceNowModCount: restore[key]!.basis!.serviceNowModCount, incidentVersion: incident.version + 1 } };
      if (incident[key] !== value) (changes as Record<string, unknown>)[key] = value;
    }
    if (Object.keys(restore).length === 0) return;
    if (Object.keys(changes).length > 0 && !(await tx.incidents.updateIncident(incident.id, incident.version, changes, at))) {
      throw new ConcurrentChangeError(`incident ${incident.reference}`);
    }
    // The window stays, with the restored change as the latest written over it (as for a push's restore).
    const ownWrites: OwnWrites = { ...link.ownWrites };
    for (const [key, change] of Object.entries(restore) as Array<[SyncedField, FieldChange]>) {
      for (const f of SERVICENOW_FIELDS_OF[key]) if (ownWrites[f]) ownWrites[f] = { ...ownWrites[f]!, changedAt: change.changedAt };
    }
    await tx.incidents.updateLink(incidentId, { ownWrites }, at);
    await tx.outbound.enqueue({ incidentId, connectionId: link.connectionId, kind: 'update', payload: { fields: restore }, createdAt: at });
    this.deps.logger.info({ op: op.id, incident: incident.reference, restored: Object.keys(restore) }, 'a ServiceNow change made while this write was on its way is later than it: restored');
  }

  private async linkCreated(tx: SyncRepositories, incident: StoredIncident, connection: Connection, version: ServiceNowVersion, at: Date): Promise<void> {
    await tx.incidents.insertLink(
      {
        incidentId: incident.id,
        connectionId: connection.id,
        sysId: version.sysId,
        number: version.number,
        lastAppliedModCount: version.modCount,
        lastWrittenModCount: version.modCount,
        snapshot: { ...version.snapshot },
      },
      at,
    );
  }
}

/** The ServiceNow fields this write sets that are unsettled on the link (their change's push is awaited). */
export function unsettledFieldsOf(op: Pick<OutboundOp, 'payload'>, link: Pick<IncidentLink, 'unsettledFields'>): string[] {
  const keys = Object.keys(op.payload.fields ?? {}) as SyncedField[];
  return keys.flatMap((key) => SERVICENOW_FIELDS_OF[key].filter((f) => link.unsettledFields[f] !== undefined));
}

/**
 * The link's own writes once this write landed: each field it wrote, with what it was decided on and
 * when incident.io's change was made; a field it did not send because ServiceNow held its value
 * already keeps its own write, with this change's time (assertOwnWrite).
 */
function ownWritesAfter(link: IncidentLink, op: OutboundOp, written: readonly string[], decidedOn: number, landed: number): OwnWrites {
  const out: OwnWrites = { ...link.ownWrites };
  for (const [key, change] of Object.entries(op.payload.fields ?? {}) as Array<[SyncedField, FieldChange | undefined]>) {
    if (!change) continue;
    for (const field of SERVICENOW_FIELDS_OF[key]) {
      if (written.includes(field)) out[field] = mergeOwnWrite(out[field], { decidedOn: link.unsettledFields[field]?.seen ?? decidedOn, landed, changedAt: change.changedAt });
      else if (out[field]) out[field] = assertOwnWrite(out[field], change.changedAt);
    }
  }
  return out;
}
