import { CORRELATION_DISPLAY, EVENT_TYPE, isJournalField, JOURNAL_FIELDS } from '../../server/contract/push-event';
import { encodedQuery, ServiceNowRateLimitError, type TableClient, type TableRecord } from '../client';
import type { Connection } from '../store';
import type { NewInboundEvent, PollSource } from '../store/sync-store';
import { shouldDeclare } from './mapping';
import { pauseAfterRefusedRead } from './rate-limit-pause';
import type { SyncWorkerDeps } from './worker-deps';
import { advanceCursor, pollLowerBound, polledAttachmentEventId, polledJournalEventId, polledRecordEventId } from './poll-window';
import {
  diffSnapshots,
  glideToIso,
  INCIDENT_READ_FIELDS,
  orderKeyOf,
  versionFromRow,
  type InboundChange,
  type ServiceNowVersion,
} from './servicenow-record';

/**
 * Polling, for connections without the app (mode `polling`): every interval, read the incidents
 * changed since the cursor (minus the overlap window), the comments and work notes added since, and
 * the records of follow-ups kept in another table than incident (source `follow_up`),
 * and store each version as an inbound event identified by (sys_id, sys_mod_count) or the journal
 * entry's sys_id, so re-reading stores nothing twice. The inbound worker applies them exactly as
 * it applies pushes (changed fields computed against the link's snapshot).
 *
 * The companion's own writes are skipped: a version last updated by the integration user that
 * shows nothing the link does not already know, and journal entries the integration user wrote.
 */

export interface PollerDeps extends SyncWorkerDeps {
  intervalMs: number;
  /** While ServiceNow rate-limits a connection, how often one request probes whether it still does (the writers' setting). */
  rateLimitProbeMs: number;
  overlapMs: number;
  leaseMs: number;
  pageSize: number;
  /** Called when new events were stored (wakes the inbound worker). */
  onEvents: () => void;
}

/** What a follow-up's record is read with (task's fields: the follow-up table may be any table extending task). */
const FOLLOW_UP_READ_FIELDS = ['sys_id', 'number', 'short_description', 'description', 'state', 'active', 'correlation_id', 'sys_updated_on', 'sys_updated_by', 'sys_mod_count'];

/** Sorts polled journal entries after the incident versions read with them (so a record declared in the same run gets its notes). */
const JOURNAL_SEQUENCE = 2_000_000_000;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function sameUser(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export class Poller {
  private readonly lastRun = new Map<string, number>();

  constructor(private readonly deps: PollerDeps) {}

  /**
   * Polls every polling connection that is due; true when one was polled. A connection ServiceNow
   * rate-limits (its pause in the database, shared with the writers and every replica) is polled
   * only once per rateLimitProbeMs, the poll being a probe of its own: one that passes ends the
   * pause, and a 429 starts or extends it, so the writers wait too. (The writers' probe is one
   * queued write; a polling connection may have none, so its polls must be able to lift the pause.)
   */
  async step(signal: AbortSignal, force = false): Promise<boolean> {
    const { store } = this.deps;
    let polled = false;
    const paused = new Set((await store.sync.pauses.list()).map((p) => p.connectionId));
    for (const connection of await this.deps.registry.all()) {
      if (connection.mode !== 'polling') continue;
      const probing = paused.has(connection.id);
      const every = probing ? Math.max(this.deps.intervalMs, this.deps.rateLimitProbeMs) : this.deps.intervalMs;
      if ((!force || probing) && Date.now() < (this.lastRun.get(connection.id) ?? 0) + every) continue;
      this.lastRun.set(connection.id, Date.now());
      polled = true;
      try {
        await this.pollConnection(connection, signal);
        if (probing && (await store.sync.pauses.resume(connection.id))) this.deps.logger.info({ connection: connection.name }, 'the ServiceNow rate limit was lifted (a poll passed); sending resumes');
      } catch (err) {
        if (err instanceof ServiceNowRateLimitError) {
          await this.pauseFor(connection, err);
          continue;
        }
        this.deps.logger.warn({ connection: connection.name, err: (err as Error).message }, 'polling ServiceNow failed; the next run tries again from the same cursor');
      }
    }
    return polled;
  }

  /** Records the connection's pause after a 429 (pauseAfterRateLimit), as a write's 429 does. */
  private async pauseFor(connection: Connection, err: ServiceNowRateLimitError): Promise<void> {
    const probeInMs = await pauseAfterRefusedRead(this.deps.store.sync.pauses, connection, err, this.deps.rateLimitProbeMs, this.deps.clock());
    this.deps.logger.warn({ connection: connection.name, retryAfterSeconds: err.retryAfterSeconds, probeInMs }, 'ServiceNow rate-limited a poll; polling and writes pause, and one request probes whether the limit was lifted');
  }

  /** One run for one connection: incidents, then journal entries, then attachments, then follow-ups kept in another table. */
  async pollConnection(connection: Connection, signal: AbortSignal): Promise<{ stored: number }> {
    const { table } = this.deps.registry.client(connection);
    const sources: PollSource[] = ['incident', 'journal', 'attachment'];
    if (this.deps.mapping.followUps.table !== 'incident') sources.push('follow_up');
    let stored = 0;
    for (const source of sources) stored += await this.pollSource(connection, table, source, signal);
    if (stored > 0) this.deps.onEvents();
    return { stored };
  }

  private async pollSource(connection: Connection, table: TableClient, source: PollSource, signal: AbortSignal): Promise<number> {
    const { store, owner } = this.deps;
    const claimed = await store.sync.cursors.claim(connection.id, source, { owner, now: this.deps.clock(), leaseMs: this.deps.leaseMs });
    if (!claimed) return 0;
    let stored = 0;
    try {
      const lower = pollLowerBound(claimed.cursor, this.deps.clock(), this.deps.overlapMs);
      let cursor = claimed.cursor;
      let offset = 0;
      for (;;) {
        const page =
          source === 'incident'
            ? await table.listPage('incident', {
                query: encodedQuery().where('sys_updated_on', '>=', lower).orderBy('sys_updated_on'),
                fields: [...INCIDENT_READ_FIELDS],
                excludeReferenceLink: true,
                limit: this.deps.pageSize,
                offset,
                noCount: true,
                signal,
              })
            : source === 'follow_up'
              ? await table.listPage(this.deps.mapping.followUps.table, {
                  query: encodedQuery().where('correlation_display', '=', CORRELATION_DISPLAY).and('sys_updated_on', '>=', lower).orderBy('sys_updated_on'),
                  fields: FOLLOW_UP_READ_FIELDS,
                  excludeReferenceLink: true,
                  limit: this.deps.pageSize,
                  offset,
                  noCount: true,
                  signal,
                })
            : source === 'attachment'
              ? await this.attachmentPage(connection, lower, offset, signal)
              : await table.listPage('sys_journal_field', {
                query: encodedQuery()
                  .where('name', '=', 'incident')
                  .and('element', 'IN', [...JOURNAL_FIELDS])
                  .and('sys_created_on', '>=', lower)
                  .orderBy('sys_created_on'),
                fields: ['sys_id', 'element', 'element_id', 'value', 'sys_created_on', 'sys_created_by'],
                limit: this.deps.pageSize,
                offset,
                noCount: true,
                signal,
              });
        const receivedAt = this.deps.clock();
        const events =
          source === 'incident'
            ? await this.incidentEvents(connection, page.records, receivedAt)
            : source === 'follow_up'
              ? await this.followUpEvents(connection, page.records, receivedAt)
            : source === 'attachment'
              ? this.attachmentEvents(connection, page.records, receivedAt)
              : this.journalEvents(connection, page.records, receivedAt);
        const stamps = page.records.map((r) => text(source === 'incident' || source === 'follow_up' ? r.sys_updated_on : r.sys_created_on));
        const next = advanceCursor(cursor, stamps);
        const storedNow = await store.sync.transaction(async (tx) => {
          let count = 0;
          for (const event of events) {
            const result = await tx.inbound.record(event);
            if (result.stored) count += 1;
            this.deps.metrics.eventsReceived.inc({ connection: connection.name, source: 'poll', type: event.type, result: result.stored ? 'stored' : 'duplicate' });
          }
          if (next !== null && next !== cursor) await tx.cursors.advance(connection.id, source, owner, next, receivedAt);
          return count;
        });
        stored += storedNow;
        cursor = next;
        if (page.records.length < this.deps.pageSize) break;
        offset = page.nextOffset;
      }
    } finally {
      await store.sync.cursors.finishRun(connection.id, source, owner, this.deps.clock());
    }
    return stored;
  }

  /** Versions of follow-ups' records (in a table other than incident) that their follow-up has not seen, by someone else; other records are not read as incidents. */
  private async followUpEvents(connection: Connection, rows: TableRecord[], receivedAt: Date): Promise<NewInboundEvent[]> {
    const events: NewInboundEvent[] = [];
    for (const row of rows) {
      const record = versionFromRow(row);
      if (!record.sysId || sameUser(record.updatedBy, connection.integrationUser)) continue;
      const followUp = await this.deps.store.sync.followUps.getBySysId(connection.id, record.sysId);
      if (!followUp || (followUp.record && record.modCount <= followUp.record.modCount)) continue;
      events.push(this.recordEvent(connection, record, receivedAt));
    }
    return events;
  }

  private recordEvent(connection: Connection, record: ServiceNowVersion, receivedAt: Date): NewInboundEvent {
    const type = record.modCount === 0 ? EVENT_TYPE.created : EVENT_TYPE.updated;
    const change: InboundChange = { type, sequence: record.modCount, occurredAt: record.updatedAt, changedFields: null, record };
    return {
      connectionId: connection.id,
      eventId: polledRecordEventId(record.sysId, record.modCount),
      source: 'poll',
      type,
      incidentSysId: record.sysId,
      sequence: record.modCount,
      orderKey: orderKeyOf(type, record.modCount, receivedAt),
      occurredAt: new Date(record.updatedAt),
      receivedAt,
      payload: change,
    };
  }

  private async incidentEvents(connection: Connection, rows: TableRecord[], receivedAt: Date): Promise<NewInboundEvent[]> {
    const events: NewInboundEvent[] = [];
    for (const row of rows) {
      const record = versionFromRow(row);
      if (!record.sysId) continue;
      const link = await this.deps.store.sync.incidents.getLinkBySysId(connection.id, record.sysId);
      const ours = sameUser(record.updatedBy, connection.integrationUser);
      const followUp = link ? undefined : await this.deps.store.sync.followUps.getBySysId(connection.id, record.sysId);
      if (link) {
        // Nothing the link does not know: the companion's own write, or a change to fields the sync does not track.
        if (diffSnapshots(link.snapshot, record.snapshot).length === 0) continue;
      } else if (followUp) {
        // A follow-up's record (the default follow-up table is incident): a version it has not seen, by someone else.
        if (ours || (followUp.record && record.modCount <= followUp.record.modCount)) continue;
      } else if (ours || !shouldDeclare(this.deps.mapping, { priority: record.snapshot.priority ?? '', active: record.active })) {
        // Not linked, and not one the mapping declares (or incident.io's own create, linked once its answer is recorded).
        continue;
      }
      events.push(this.recordEvent(connection, record, receivedAt));
    }
    return events;
  }

  /**
   * One page of incident attachments created since `lower`, read with the Attachment API (whose
   * access follows the incident's, as the service account's does), not the Table API.
   */
  private async attachmentPage(connection: Connection, lower: string, offset: number, signal: AbortSignal): Promise<{ records: TableRecord[]; nextOffset: number }> {
    const { http } = this.deps.registry.client(connection);
    const query = encodedQuery().where('table_name', '=', 'incident').and('sys_created_on', '>=', lower).orderBy('sys_created_on').build().toString();
    const answer = await http.request({
      method: 'GET',
      path: '/api/now/attachment',
      query: { sysparm_query: query, sysparm_limit: this.deps.pageSize, sysparm_offset: offset },
      signal,
    });
    const records = ((answer.body as { result?: TableRecord[] } | undefined)?.result ?? []).filter((r) => r && typeof r === 'object');
    return { records, nextOffset: offset + records.length };
  }

  private attachmentEvents(connection: Connection, rows: TableRecord[], receivedAt: Date): NewInboundEvent[] {
    const events: NewInboundEvent[] = [];
    for (const row of rows) {
      const sysId = text(row.sys_id);
      const incidentSysId = text(row.table_sys_id);
      const author = text(row.sys_created_by);
      if (!sysId || !incidentSysId || text(row.table_name) !== 'incident') continue;
      if (sameUser(author, connection.integrationUser)) continue;
      const createdAt = glideToIso(text(row.sys_created_on));
      const change: InboundChange = {
        type: EVENT_TYPE.attachment,
        sequence: JOURNAL_SEQUENCE,
        occurredAt: createdAt,
        changedFields: [],
        record: { sysId: incidentSysId, number: '', modCount: 0, updatedAt: createdAt, updatedBy: author, active: true, correlationId: null, snapshot: {} },
        attachment: { sysId, fileName: text(row.file_name), sizeBytes: Number.parseInt(text(row.size_bytes), 10) || 0, author, createdAt },
      };
      events.push({
        connectionId: connection.id,
        eventId: polledAttachmentEventId(sysId),
        source: 'poll',
        type: EVENT_TYPE.attachment,
        incidentSysId,
        sequence: JOURNAL_SEQUENCE,
        orderKey: orderKeyOf(EVENT_TYPE.attachment, JOURNAL_SEQUENCE, receivedAt),
        occurredAt: new Date(createdAt),
        receivedAt,
        payload: change,
      });
    }
    return events;
  }

  private journalEvents(connection: Connection, rows: TableRecord[], receivedAt: Date): NewInboundEvent[] {
    const events: NewInboundEvent[] = [];
    for (const row of rows) {
      const sysId = text(row.sys_id);
      const incidentSysId = text(row.element_id);
      const author = text(row.sys_created_by);
      const element = text(row.element);
      if (!sysId || !incidentSysId || !isJournalField(element)) continue;
      if (sameUser(author, connection.integrationUser)) continue;
      const createdAt = glideToIso(text(row.sys_created_on));
      const change: InboundChange = {
        type: EVENT_TYPE.journal,
        sequence: JOURNAL_SEQUENCE,
        occurredAt: createdAt,
        changedFields: [],
        record: { sysId: incidentSysId, number: '', modCount: 0, updatedAt: createdAt, updatedBy: author, active: true, correlationId: null, snapshot: {} },
        journal: { sysId, element, value: text(row.value), author, createdAt },
      };
      events.push({
        connectionId: connection.id,
        eventId: polledJournalEventId(sysId),
        source: 'poll',
        type: EVENT_TYPE.journal,
        incidentSysId,
        sequence: JOURNAL_SEQUENCE,
        orderKey: orderKeyOf(EVENT_TYPE.journal, JOURNAL_SEQUENCE, receivedAt),
        occurredAt: new Date(createdAt),
        receivedAt,
        payload: change,
      });
    }
    return events;
  }
}
