import { OUTBOX_TABLE } from '../../server/lib/constants';
import { encodedQuery, ServiceNowRateLimitError, type QueryBuilder, type TableClient } from '../client';
import type { Connection } from '../store';
import { OUTBOX_ROW_FIELDS, storeOutboxRows, type OutboxPullDeps, type OutboxRow } from './outbox-pull';
import { pauseAfterRefusedRead } from './rate-limit-pause';
import { isoToGlide } from './servicenow-record';
import type { SyncWorkerDeps } from './worker-deps';

/**
 * The catch-up: for every connection with the app (mode `realtime`), the app's undelivered events
 * are read from its outbox and stored as if pushed, so a companion that was down or unreachable is
 * current again within seconds of being back, not when the app's retries come round (each failed
 * delivery waits longer, up to an hour; an event that ran out of attempts is `dead` and never sent
 * again). Pushes that arrive later are duplicates of what was stored (same event id).
 *
 * - The first pass of a process reads every undelivered event (queued, sending, failed, dead): what
 *   was missed while this process was not running.
 * - Then every `intervalMs`, events queued, sending or failed that are older than `intervalMs`
 *   (younger ones are the app's live deliveries, which need no help): the companion can reach
 *   ServiceNow while ServiceNow cannot reach the companion (its webhook address unreachable, a
 *   proxy down), and this is how those changes still arrive. `dead` rows are read at start only, as
 *   they stay until the app's retention purges them.
 * - Never rows older than the companion's dedupe retention (eventRetentionMs): an event applied that
 *   long ago is forgotten, and would be stored as new.
 *
 * One replica at a time reads a connection's outbox (a lease, as polling's), and a rate-limited
 * connection is not read (the writers' probe lifts the pause); a 429 here pauses the connection as a
 * write's does. Rows are read and stored in each incident's order (incident, then order_key, paged
 * by that key), as the app would push them; at most `maxRows` a pass (the next pass starts again).
 */

export interface OutboxCatchUpDeps extends SyncWorkerDeps {
  /** How often after the first pass, and the age below which a row is left to the app's live delivery. */
  intervalMs: number;
  rateLimitProbeMs: number;
  leaseMs: number;
  /** Rows created longer ago than this (the companion's dedupe retention, eventRetentionMs) are not read: their events may have been applied and forgotten. */
  retentionMs: number;
  /** Rows per request. Default 100. */
  pageSize?: number;
  /** Rows read at most per pass. Default 10,000. */
  maxRows?: number;
  /** Called when new events were stored (wakes the inbound worker). */
  onStored: () => void;
  /** Stores a page's events together (the engine's group commit); without it, one by one. */
  recordInbound?: OutboxPullDeps['recordInbound'];
}

export interface CatchUpPass {
  /** Undelivered events read. */
  found: number;
  /** Of those, events the companion did not have yet. */
  stored: number;
  /** False when the pass stopped at maxRows. */
  complete: boolean;
}

interface PageKey {
  incident: string;
  orderKey: string;
}

type CatchUpRow = OutboxRow & { order_key?: string };

const ALL_UNDELIVERED = ['queued', 'sending', 'failed', 'dead'];
const OWED = ['queued', 'sending', 'failed'];

export class OutboxCatchUp {
  /** When this process last read each connection's outbox; absent until its first pass. */
  private readonly lastRun = new Map<string, number>();

  constructor(private readonly deps: OutboxCatchUpDeps) {}

  /** Reads the outbox of every realtime connection that is due; true when one was read. */
  async step(signal: AbortSignal): Promise<boolean> {
    const { store } = this.deps;
    let read = false;
    const paused = new Set((await store.sync.pauses.list()).map((p) => p.connectionId));
    for (const connection of await this.deps.registry.all()) {
      if (connection.mode !== 'realtime' || paused.has(connection.id) || signal.aborted) continue;
      const last = this.lastRun.get(connection.id);
      const now = this.deps.clock().getTime();
      if (last !== undefined && now < last + this.deps.intervalMs) continue;
      const claimed = await store.sync.cursors.claim(connection.id, 'outbox', { owner: this.deps.owner, now: this.deps.clock(), leaseMs: this.deps.leaseMs });
      if (!claimed) continue;
      this.lastRun.set(connection.id, now);
      read = true;
      try {
        const pass = await this.pass(connection, { first: last === undefined, signal });
        if (pass.stored > 0) {
          this.deps.logger.info({ connection: connection.name, ...pass }, "stored undelivered events read from the app's outbox");
        }
        if (!pass.complete) {
          this.deps.logger.warn({ connection: connection.name, maxRows: this.maxRows }, "more undelivered events in the app's outbox than one pass reads; the next pass reads on");
        }
      } catch (err) {
        if (err instanceof ServiceNowRateLimitError) await this.pauseFor(connection, err);
        else this.deps.logger.warn({ connection: connection.name, err: (err as Error).message }, "reading the app's outbox failed; the next pass tries again");
      } finally {
        await store.sync.cursors.finishRun(connection.id, 'outbox', this.deps.owner, this.deps.clock());
      }
    }
    return read;
  }

  private get maxRows(): number {
    return this.deps.maxRows ?? 10_000;
  }

  /** One pass over one connection's outbox. */
  private async pass(connection: Connection, input: { first: boolean; signal: AbortSignal }): Promise<CatchUpPass> {
    const { table } = this.deps.registry.client(connection);
    const pageSize = this.deps.pageSize ?? 100;
    const now = this.deps.clock().getTime();
    const window = { first: input.first, olderThan: isoToGlide(new Date(now - this.deps.intervalMs)), newerThan: isoToGlide(new Date(now - this.deps.retentionMs)) };
    const result: CatchUpPass = { found: 0, stored: 0, complete: true };
    let after: PageKey | undefined;
    for (;;) {
      if (result.found >= this.maxRows) return { ...result, complete: false };
      const limit = Math.min(pageSize, this.maxRows - result.found);
      const rows = await this.page(table, window, after, limit, input.signal);
      result.found += rows.length;
      // In each incident's order, as the app would push them: the inbound worker may apply an event
      // as soon as it is stored (storePushEvent wakes it), before a later page is read.
      result.stored += await storeOutboxRows(this.deps, connection, rows);
      if (rows.length < limit) return result;
      const last = rows[rows.length - 1]!;
      after = { incident: String(last.incident_sys_id ?? ''), orderKey: String(last.order_key ?? '') };
    }
  }

  /** Undelivered rows in (incident, order_key) order, after `after` (key paging: rows that change state between pages are neither skipped nor read twice). */
  private async page(
    table: TableClient,
    window: { first: boolean; olderThan: string; newerThan: string },
    after: PageKey | undefined,
    limit: number,
    signal: AbortSignal,
  ): Promise<CatchUpRow[]> {
    const undelivered = (q: QueryBuilder): QueryBuilder => {
      const within = q.and('state', 'IN', window.first ? ALL_UNDELIVERED : OWED).and('sys_created_on', '>', window.newerThan);
      return window.first ? within : within.and('sys_created_on', '<', window.olderThan);
    };
    let query: QueryBuilder;
    if (after === undefined) query = undelivered(encodedQuery().where('incident_sys_id', 'ISNOTEMPTY'));
    else {
      const rest = undelivered(encodedQuery().where('incident_sys_id', '=', after.incident).and('order_key', '>', after.orderKey)).newQuery();
      query = undelivered(rest.where('incident_sys_id', '>', after.incident));
    }
    const page = await table.listPage<CatchUpRow>(OUTBOX_TABLE, {
      query: query.orderBy('incident_sys_id').orderBy('order_key'),
      fields: [...OUTBOX_ROW_FIELDS, 'order_key'],
      limit,
      noCount: true,
      orderBySysId: false,
      signal,
    });
    return page.records;
  }

  private async pauseFor(connection: Connection, err: ServiceNowRateLimitError): Promise<void> {
    const probeInMs = await pauseAfterRefusedRead(this.deps.store.sync.pauses, connection, err, this.deps.rateLimitProbeMs, this.deps.clock());
    this.deps.logger.warn({ connection: connection.name, retryAfterSeconds: err.retryAfterSeconds, probeInMs }, "ServiceNow rate-limited a read of the app's outbox; reads and writes pause");
  }
}
