import { OUTBOX_TABLE } from '../../server/lib/constants';
import { encodedQuery, ServiceNowRateLimitError, type TableClient } from '../client';
import type { Connection } from '../store';
import { OUTBOX_ROW_FIELDS, storeOutboxRows, type OutboxRow } from './outbox-pull';
import { pauseAfterRateLimit } from './rate-limit-pause';
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
 * write's does. Rows are paged by sys_id, so rows that change state between pages are neither
 * skipped nor read twice; at most `maxRows` a pass (the next pass goes on from the start).
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
}

export interface CatchUpPass {
  /** Undelivered events read. */
  found: number;
  /** Of those, events the companion did not have yet. */
  stored: number;
  /** False when the pass stopped at maxRows. */
  complete: boolean;
}

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
    const olderThan = isoToGlide(new Date(now - this.deps.intervalMs));
    const newerThan = isoToGlide(new Date(now - this.deps.retentionMs));
    const result: CatchUpPass = { found: 0, stored: 0, complete: true };
    let after: string | undefined;
    for (;;) {
      if (result.found >= this.maxRows) return { ...result, complete: false };
      const limit = Math.min(pageSize, this.maxRows - result.found);
      const rows = await this.page(table, { first: input.first, olderThan, newerThan, after, limit, signal: input.signal });
      result.found += rows.length;
      // storePushEvent wakes the inbound worker for each new event (deps.onStored).
      result.stored += await storeOutboxRows(this.deps, connection, rows);
      if (rows.length < limit) return result;
      after = rows[rows.length - 1]!.sys_id;
    }
  }

  private async page(
    table: TableClient,
    input: { first: boolean; olderThan: string; newerThan: string; after: string | undefined; limit: number; signal: AbortSignal },
  ): Promise<Array<OutboxRow & { sys_id?: string }>> {
    let query = encodedQuery().where('state', 'IN', input.first ? ALL_UNDELIVERED : OWED).and('sys_created_on', '>', input.newerThan);
    if (!input.first) query = query.and('sys_created_on', '<', input.olderThan);
    if (input.after !== undefined) query = query.and('sys_id', '>', input.after);
    const page = await table.listPage<OutboxRow & { sys_id?: string }>(OUTBOX_TABLE, {
      query: query.orderBy('sys_id'),
      fields: ['sys_id', ...OUTBOX_ROW_FIELDS],
      limit: input.limit,
      noCount: true,
      orderBySysId: false,
      signal: input.signal,
    });
    return page.records;
  }

  private async pauseFor(connection: Connection, err: ServiceNowRateLimitError): Promise<void> {
    const probeInMs = await pauseAfterRateLimit(this.deps.store.sync.pauses, {
      connectionId: connection.id,
      retryAfterSeconds: err.retryAfterSeconds,
      fallbackMs: this.deps.rateLimitProbeMs,
      probeMs: this.deps.rateLimitProbeMs,
      reason: err.message,
      at: this.deps.clock(),
    });
    this.deps.logger.warn({ connection: connection.name, retryAfterSeconds: err.retryAfterSeconds, probeInMs }, "ServiceNow rate-limited a read of the app's outbox; reads and writes pause");
  }
}
