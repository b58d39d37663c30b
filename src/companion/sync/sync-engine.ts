import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ServiceNowConnectionOptions } from '../client';
import type { CompanionStore } from '../store';
import { DEFAULT_OUTBOUND_BACKOFF, type BackoffPolicy } from './backoff';
import { ConnectionRegistry } from './connection-registry';
import { IncidentService } from './incident-service';
import { InboundProcessor } from './inbound-processor';
import type { SyncMapping } from './mapping';
import { SyncMetrics } from './metrics';
import { OutboundProcessor } from './outbound-processor';
import { DEFAULT_POLL_OVERLAP_MS } from './poll-window';
import { Poller } from './poller';
import { receivePush, type PushAnswer, type PushRequest } from './receive-push';
import { ServiceNowLookups } from './servicenow-lookups';
import { WorkerLoop, type WorkerLoopStatus } from './worker-loop';

/**
 * The sync, assembled: the incident service (API side), the workers that apply ServiceNow's
 * changes and send incident.io's, the poller, the metrics. One per companion process; several
 * processes may share one database (each with its own `owner` id for leases).
 */

export interface SyncEngineOptions {
  store: CompanionStore;
  mapping: SyncMapping;
  logger: Logger;
  /** ServiceNow client settings (tests shorten timeouts and retries). */
  clientOptions?: Partial<ServiceNowConnectionOptions>;
  /** How often polling connections are polled. Default 10 s. */
  pollIntervalMs?: number;
  /** Overlap window of the polling cursor. Default 120 s. */
  pollOverlapMs?: number;
  pollPageSize?: number;
  outboundBackoff?: BackoffPolicy;
  /**
   * A write that got no answer (timeout, reset, shutdown) is tried again only after this long, so
   * the instance has finished it and the retry finds what it did. Default 60 s.
   */
  unansweredGraceMs?: number;
  inboundBackoff?: BackoffPolicy;
  /** Concurrent sends (different incidents) and concurrent applies. Defaults 4 and 2. */
  outboundConcurrency?: number;
  inboundConcurrency?: number;
  /** How long a claim holds a write or an event before another worker may take it. */
  outboundLeaseMs?: number;
  inboundLeaseMs?: number;
  /** Idle workers look for work this often (besides being woken by this process's own work). Default 1 s. */
  idleMs?: number;
  /** Processed events are kept (for deduplication) this long. Default 14 days. */
  eventRetentionMs?: number;
  /** Signature timestamp tolerance, seconds. */
  signatureToleranceSeconds?: number;
  clock?: () => Date;
  random?: () => number;
  /** Process metrics (CPU, memory) in /metrics. Default true. */
  defaultMetrics?: boolean;
}

export interface SyncHealth {
  ok: boolean;
  store: 'ok' | string;
  workers: WorkerLoopStatus[];
}

const PURGE_EVERY_MS = 60 * 60_000;

export class SyncEngine {
  /** This process's id in leases. */
  readonly owner = `companion-${randomUUID()}`;
  readonly metrics: SyncMetrics;
  readonly registry: ConnectionRegistry;
  readonly incidents: IncidentService;
  readonly poller: Poller;
  private readonly inboundLoop: WorkerLoop;
  private readonly outboundLoop: WorkerLoop;
  private readonly pollLoop: WorkerLoop;
  private readonly clock: () => Date;
  private forcePoll = false;
  private lastPurge = 0;
  private started = false;

  constructor(private readonly options: SyncEngineOptions) {
    const { store, mapping, logger } = options;
    this.clock = options.clock ?? (() => new Date());
    const random = options.random ?? Math.random;
    this.metrics = new SyncMetrics(
      { outbound: () => store.sync.outbound.countByState(), inbound: () => store.sync.inbound.countByState() },
      { defaultMetrics: options.defaultMetrics ?? true },
    );
    this.registry = new ConnectionRegistry(store, {
      logger,
      metrics: this.metrics,
      ...(options.clientOptions ? { clientOptions: options.clientOptions } : {}),
    });
    const idleMs = options.idleMs ?? 1_000;
    const requestTimeoutMs = options.clientOptions?.requestTimeoutMs ?? 30_000;

    this.incidents = new IncidentService({ store, registry: this.registry, clock: this.clock, onQueued: () => this.outboundLoop.wake() });

    const inbound = new InboundProcessor({
      store,
      registry: this.registry,
      mapping,
      metrics: this.metrics,
      logger,
      owner: this.owner,
      clock: this.clock,
      random,
      leaseMs: options.inboundLeaseMs ?? 60_000,
      maxAttempts: 10,
      backoff: options.inboundBackoff ?? { baseMs: 500, maxMs: 60_000 },
    });
    const outbound = new OutboundProcessor({
      store,
      registry: this.registry,
      lookups: new ServiceNowLookups(store.catalog),
      mapping,
      metrics: this.metrics,
      logger,
      owner: this.owner,
      clock: this.clock,
      random,
      // Longer than one send can take (a few attempts of a request), so a live send is never taken over.
      leaseMs: options.outboundLeaseMs ?? Math.max(120_000, 4 * requestTimeoutMs + 30_000),
      backoff: options.outboundBackoff ?? DEFAULT_OUTBOUND_BACKOFF,
      unansweredGraceMs: this.unansweredGraceMs(),
    });
    const pollIntervalMs = options.pollIntervalMs ?? 10_000;
    this.poller = new Poller({
      store,
      registry: this.registry,
      mapping,
      metrics: this.metrics,
      logger,
      owner: this.owner,
      clock: this.clock,
      intervalMs: pollIntervalMs,
      overlapMs: options.pollOverlapMs ?? DEFAULT_POLL_OVERLAP_MS,
      leaseMs: Math.max(60_000, 4 * requestTimeoutMs),
      pageSize: options.pollPageSize ?? 200,
      onEvents: () => this.inboundLoop.wake(),
    });

    this.inboundLoop = new WorkerLoop({ name: 'inbound', concurrency: options.inboundConcurrency ?? 2, idleMs, logger, step: (signal) => inbound.step(signal) });
    this.outboundLoop = new WorkerLoop({ name: 'outbound', concurrency: options.outboundConcurrency ?? 4, idleMs, logger, step: (signal) => outbound.step(signal) });
    this.pollLoop = new WorkerLoop({
      name: 'poller',
      concurrency: 1,
      idleMs: Math.min(idleMs, pollIntervalMs),
      logger,
      step: async (signal) => {
        const force = this.forcePoll;
        this.forcePoll = false;
        await this.purgeIfDue();
        await this.poller.step(signal, force);
        return false;
      },
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.inboundLoop.start();
    this.outboundLoop.start();
    this.pollLoop.start();
  }

  /** A push from the app (see receivePush). */
  receivePush(request: PushRequest): Promise<PushAnswer> {
    return receivePush(
      {
        store: this.options.store,
        registry: this.registry,
        metrics: this.metrics,
        logger: this.options.logger,
        clock: this.clock,
        ...(this.options.signatureToleranceSeconds !== undefined ? { toleranceSeconds: this.options.signatureToleranceSeconds } : {}),
        onStored: () => this.inboundLoop.wake(),
      },
      request,
    );
  }

  /** Polls every polling connection now (instead of at the next interval). */
  pollNow(): void {
    this.forcePoll = true;
    this.pollLoop.wake();
  }

  /** Wakes the workers (work stored by another process, or a test that moved time). */
  wake(): void {
    this.inboundLoop.wake();
    this.outboundLoop.wake();
  }

  async health(): Promise<SyncHealth> {
    let store = 'ok';
    try {
      await this.options.store.sync.ping();
    } catch (err) {
      store = (err as Error).message || 'unreachable';
    }
    const workers = [this.inboundLoop.status(), this.outboundLoop.status(), this.pollLoop.status()];
    return { ok: store === 'ok' && workers.every((w) => w.running), store, workers };
  }

  /**
   * Stops the workers: no new work is claimed; work in progress may finish within `graceMs`, then
   * is aborted; whatever this process still holds is given back at once (not left to lease expiry).
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await Promise.all([this.inboundLoop.stop(graceMs), this.outboundLoop.stop(graceMs), this.pollLoop.stop(graceMs)]);
    const now = this.clock();
    await this.options.store.sync.inbound.release(this.owner, now).catch(() => 0);
    await this.options.store.sync.outbound.release(this.owner, now, new Date(now.getTime() + this.unansweredGraceMs())).catch(() => 0);
    await this.registry.close();
  }

  private unansweredGraceMs(): number {
    return this.options.unansweredGraceMs ?? 60_000;
  }

  private async purgeIfDue(): Promise<void> {
    const now = this.clock().getTime();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    const retention = this.options.eventRetentionMs ?? 14 * 24 * 60 * 60_000;
    const purged = await this.options.store.sync.inbound.purgeDone(new Date(now - retention));
    if (purged > 0) this.options.logger.info({ purged }, 'purged processed ServiceNow events past their retention');
  }
}
