import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import { describeError } from '../../shared/errors';
import type { ServiceNowConnectionOptions } from '../client';
import type { CompanionStore } from '../store';
import type { BackoffPolicy } from '../../server/lib/backoff';
import { ConnectionProblems, type ConnectionProblem } from './connection-problems';
import { ConnectionRegistry } from './connection-registry';
import { IncidentService } from './incident-service';
import { FollowUpService } from './follow-up-service';
import { InboundProcessor } from './inbound-processor';
import type { SyncMapping } from './mapping';
import { SyncMetrics } from './metrics';
import { OutboundProcessor } from './outbound-processor';
import { DEFAULT_POLL_OVERLAP_MS } from './poll-window';
import { FollowUpAppConfig } from './follow-up-app-config';
import { Poller } from './poller';
import { OutboxCatchUp } from './outbox-catch-up';
import { APPLY_AT_ONCE_MAX_EVENTS, InboundGroupCommit, MAX_GROUP_COMMIT_EVENTS } from './inbound-group-commit';
import { receivePush, type LastPing, type PushAnswer, type PushRequest } from '../webhooks/receive-push';
import { ServiceNowLookups } from './servicenow-lookups';
import { DEFAULT_INBOUND_BACKOFF, DEFAULT_OUTBOUND_BACKOFF, DEFAULT_POLL_INTERVAL_MS, INBOUND_MAX_ATTEMPTS, syncTimings, type SyncTimings } from './sync-timings';
import { WorkerLoop, type Step, type WorkerLoopStatus } from './worker-loop';
import type { SyncWorkerDeps } from './worker-deps';

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
  /** Outbox rows per request of the catch-up (OutboxCatchUp). Default 100. */
  outboxCatchUpPageSize?: number;
  outboundBackoff?: BackoffPolicy;
  /** Every lease, timeout and grace (sync-timings.ts); the three options below are shorthands for its fields. */
  timings?: Partial<SyncTimings>;
  /** = timings.unansweredGraceMs. */
  unansweredGraceMs?: number;
  inboundBackoff?: BackoffPolicy;
  /** Concurrent sends (different incidents) and concurrent applies. Defaults 4 and 2. */
  outboundConcurrency?: number;
  inboundConcurrency?: number;
  /**
   * With one writer (SQLite): a push received while no other is being stored is applied in the
   * transaction that stores it (InboundGroupCommit, APPLY_AT_ONCE_MAX_EVENTS). Default true; false
   * leaves every push to the apply worker.
   */
  applyAtOnce?: boolean;
  /** = timings.idleMs. */
  idleMs?: number;
  /** = timings.eventRetentionMs. */
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
  /** Connections paused by a rate limit (the process is healthy; ServiceNow asks it to wait). */
  rateLimits: RateLimitStatus[];
  /** What stops a connection until a person acts (a refused sign-in), as this process saw it. */
  problems: ConnectionProblem[];
}

export interface RateLimitStatus {
  connection: string;
  since: Date;
  until: Date;
  nextProbeAt: Date;
  retryAfterSeconds: number | null;
  hits: number;
}

export class SyncEngine {
  /** This process's id in leases. */
  readonly owner = `companion-${randomUUID()}`;
  readonly metrics: SyncMetrics;
  readonly registry: ConnectionRegistry;
  /** Sign-in refusals seen by this process's writes (shown by /healthz until a write goes through). */
  readonly problems = new ConnectionProblems();
  readonly incidents: IncidentService;
  readonly followUps: FollowUpService;
  readonly poller: Poller;
  /** Reads the app's outbox for undelivered events at start and every outboxCatchUpMs (realtime connections). */
  readonly catchUp: OutboxCatchUp;
  private readonly followUpAppConfig: FollowUpAppConfig;
  private readonly inboundLoop: WorkerLoop;
  /** Pushes received together are stored in one transaction (see InboundGroupCommit). */
  private readonly groupCommit: InboundGroupCommit;
  private readonly outboundLoop: WorkerLoop;
  private readonly pollLoop: WorkerLoop;
  private readonly clock: () => Date;
  private forcePoll = false;
  private lastPurge = 0;
  private started = false;
  readonly timings: SyncTimings;
  private heartbeat: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly options: SyncEngineOptions) {
    const { store, mapping, logger } = options;
    this.clock = options.clock ?? (() => new Date());
    this.timings = syncTimings({
      ...(options.clientOptions?.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.clientOptions.requestTimeoutMs } : {}),
      ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
      ...(options.unansweredGraceMs !== undefined ? { unansweredGraceMs: options.unansweredGraceMs } : {}),
      ...(options.eventRetentionMs !== undefined ? { eventRetentionMs: options.eventRetentionMs } : {}),
      ...options.timings,
    });
    const timings = this.timings;
    const random = options.random ?? Math.random;
    this.metrics = new SyncMetrics(
      {
        outbound: () => store.sync.outbound.countByState(),
        inbound: () => store.sync.inbound.countByState(),
        rateLimited: () => this.rateLimits(),
      },
      { defaultMetrics: options.defaultMetrics ?? true },
    );
    this.registry = new ConnectionRegistry(store, {
      logger,
      metrics: this.metrics,
      clientOptions: { requestTimeoutMs: timings.requestTimeoutMs, ...options.clientOptions },
    });
    const idleMs = timings.idleMs;

    this.incidents = new IncidentService({ store, registry: this.registry, mapping, clock: this.clock, onQueued: () => this.outboundLoop.wake() });
    this.followUps = new FollowUpService({ store, clock: this.clock, onQueued: () => this.outboundLoop.wake() });

    const workerDeps: SyncWorkerDeps = { store, registry: this.registry, mapping, metrics: this.metrics, logger, owner: this.owner, clock: this.clock };
    // The queue workers' leases are renewed by every heartbeat however long a step takes: a live
    // process keeps them, a dead one loses them staleAfterMs after its last beat.
    const queueDeps = { ...workerDeps, random, leaseMs: timings.staleAfterMs };
    const inbound = new InboundProcessor({
      ...queueDeps,
      maxAttempts: INBOUND_MAX_ATTEMPTS,
      backoff: options.inboundBackoff ?? DEFAULT_INBOUND_BACKOFF,
    });
    // With one writer (SQLite), a quiet push is applied in the transaction that stores it.
    this.groupCommit = new InboundGroupCommit(
      store.ingest ?? store.sync,
      MAX_GROUP_COMMIT_EVENTS,
      store.sync.singleWriter && options.applyAtOnce !== false ? { maxEvents: APPLY_AT_ONCE_MAX_EVENTS, storeAndApply: (events) => inbound.storeAndApply(events) } : undefined,
    );
    const outbound = new OutboundProcessor({
      ...queueDeps,
      lookups: new ServiceNowLookups(store.catalog, logger),
      backoff: options.outboundBackoff ?? DEFAULT_OUTBOUND_BACKOFF,
      unansweredGraceMs: timings.unansweredGraceMs,
      rateLimitProbeMs: timings.rateLimitProbeMs,
      problems: this.problems,
      pushWaitMs: timings.pushWaitMs,
      idleMs: timings.idleMs,
      onEventsStored: () => this.inboundLoop.wake(),
      recordInbound: (event) => this.groupCommit.record(event),
    });
    const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.poller = new Poller({
      ...workerDeps,
      intervalMs: pollIntervalMs,
      rateLimitProbeMs: timings.rateLimitProbeMs,
      overlapMs: options.pollOverlapMs ?? DEFAULT_POLL_OVERLAP_MS,
      leaseMs: timings.staleAfterMs,
      pageSize: options.pollPageSize ?? 200,
      onEvents: () => this.inboundLoop.wake(),
    });

    this.catchUp = new OutboxCatchUp({
      ...workerDeps,
      intervalMs: timings.outboxCatchUpMs,
      rateLimitProbeMs: timings.rateLimitProbeMs,
      leaseMs: timings.staleAfterMs,
      retentionMs: timings.eventRetentionMs,
      ...(options.outboxCatchUpPageSize !== undefined ? { pageSize: options.outboxCatchUpPageSize } : {}),
      onStored: () => this.inboundLoop.wake(),
      recordInbound: (event) => this.groupCommit.record(event),
    });

    this.followUpAppConfig = new FollowUpAppConfig({ registry: this.registry, mapping: mapping.followUps, logger, clock: this.clock, retryMs: Math.max(pollIntervalMs, 60_000) });

    // A queue's slots sleep until its next row is due (or wake() on new work), and after a failed
    // step wait idleMs before trying again.
    const queueLoop = (name: string, concurrency: number, worker: { step: Step }, queue: { nextDueAt(): Promise<Date | null> }) =>
      new WorkerLoop({
        name,
        concurrency,
        idleMs,
        logger,
        errorPauseMs: idleMs,
        clock: this.clock,
        step: (signal) => worker.step(signal),
        nextDueAt: () => queue.nextDueAt(),
      });
    this.inboundLoop = queueLoop('inbound', options.inboundConcurrency ?? 2, inbound, store.sync.inbound);
    this.outboundLoop = queueLoop('outbound', options.outboundConcurrency ?? 4, outbound, store.sync.outbound);
    this.pollLoop = new WorkerLoop({
      name: 'poller',
      concurrency: 1,
      idleMs: Math.min(idleMs, pollIntervalMs),
      logger,
      step: async (signal) => {
        const force = this.forcePoll;
        this.forcePoll = false;
        await this.purgeIfDue();
        await this.followUpAppConfig.step(signal);
        await this.poller.step(signal, force);
        await this.catchUp.step(signal);
        return false;
      },
    });
  }

  /**
   * Registers this process as a lease owner, frees at once what dead owners held (on this host: a
   * process whose PID is gone; anywhere: one silent for staleAfterMs), starts the heartbeat, then
   * the workers.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.ready = this.registerOwner()
      .catch((err) => this.options.logger.error({ err: describeError(err) }, 'could not register this process in the sync store; its leases still expire as usual'))
      .then(() => {
        if (!this.started) return;
        this.heartbeat = setInterval(() => this.beat(), this.timings.heartbeatMs);
        this.heartbeat.unref();
        this.inboundLoop.start();
        this.outboundLoop.start();
        this.pollLoop.start();
      });
  }

  /** Resolves once start() has registered this process and started the workers. */
  whenStarted(): Promise<void> {
    return this.ready;
  }

  private async registerOwner(): Promise<void> {
    const now = this.clock();
    await this.options.store.sync.owners.register({ id: this.owner, host: os.hostname(), pid: process.pid, startedAt: now });
    await this.reclaimDeadOwners(now, true);
  }

  /** One heartbeat: renew this process's leases, and free the work of owners that stopped beating. */
  private beat(): void {
    this.beating = this.beating.then(async () => {
      const now = this.clock();
      const sync = this.options.store.sync;
      try {
        if (!(await sync.owners.heartbeat(this.owner, now, new Date(now.getTime() + this.timings.staleAfterMs)))) {
          // Another process found this one silent and freed its work (a long pause): carry on as a new owner.
          this.options.logger.warn({ owner: this.owner }, 'this process was taken for dead and its leases were freed; registering again');
          await sync.owners.register({ id: this.owner, host: os.hostname(), pid: process.pid, startedAt: now });
        }
        await this.reclaimDeadOwners(now, false);
      } catch (err) {
        this.options.logger.warn({ err: describeError(err) }, 'the sync heartbeat failed; leases are renewed at the next one');
      }
    });
  }

  private async reclaimDeadOwners(now: Date, atStart: boolean): Promise<void> {
    const sync = this.options.store.sync;
    const host = os.hostname();
    for (const other of await sync.owners.list()) {
      if (other.id === this.owner) continue;
      const silent = now.getTime() - other.heartbeatAt.getTime() > this.timings.staleAfterMs;
      const gone = other.host === host && (other.pid === process.pid || !processAlive(other.pid));
      if (!silent && !gone) continue;
      const freed = await sync.owners.reclaim(other.id, now);
      if (freed.inbound + freed.outbound > 0 || atStart) {
        this.options.logger.info({ owner: other.id, pid: other.pid, host: other.host, ...freed }, 'freed the work of a companion process that stopped');
      }
      if (freed.inbound > 0) this.inboundLoop.wake();
      if (freed.outbound > 0) this.outboundLoop.wake();
    }
  }

  private readonly lastPings = new Map<string, LastPing>();

  /** The last test event (ping) a connection's app sent since this process started, if any. */
  lastPing(connectionName: string): LastPing | null {
    return this.lastPings.get(connectionName) ?? null;
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
        // One event per push: one apply slot.
        onStored: () => this.inboundLoop.wakeOne(),
        recordInbound: (event) => this.groupCommit.record(event),
        onPing: (connectionName, ping) => this.lastPings.set(connectionName, ping),
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
    // Right after start() the workers start once this process is registered (one insert): report them then.
    await this.ready;
    let store = 'ok';
    try {
      await this.options.store.sync.ping();
    } catch (err) {
      store = (err as Error).message || 'unreachable';
    }
    const workers = [this.inboundLoop.status(), this.outboundLoop.status(), this.pollLoop.status()];
    const rateLimits =
      store === 'ok'
        ? await this.rateLimits().catch((err: unknown) => {
            this.options.logger.warn({ err: describeError(err) }, 'could not read the rate-limit pauses for /healthz');
            return [];
          })
        : [];
    return { ok: store === 'ok' && workers.every((w) => w.running), store, workers, rateLimits, problems: this.problems.list() };
  }

  /** The rate-limit pauses in the store, by connection name. */
  async rateLimits(): Promise<RateLimitStatus[]> {
    const out: RateLimitStatus[] = [];
    for (const pause of await this.options.store.sync.pauses.list()) {
      const connection = await this.registry.byId(pause.connectionId).catch((err: unknown) => {
        this.options.logger.warn({ connection: pause.connectionId, err: describeError(err) }, 'could not read a rate-limited connection; showing its id');
        return undefined;
      });
      const { connectionId, reason: _reason, ...rest } = pause;
      out.push({ connection: connection?.name ?? connectionId, ...rest });
    }
    return out;
  }

  /**
   * Stops the workers: no new work is claimed; work in progress may finish within `graceMs`, then
   * is aborted; whatever this process still holds is given back at once (not left to lease expiry).
   */
  async stop(graceMs = this.timings.shutdownGraceMs): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.ready;
    await Promise.all([this.inboundLoop.stop(graceMs), this.outboundLoop.stop(graceMs), this.pollLoop.stop(graceMs)]);
    clearInterval(this.heartbeat);
    await this.beating;
    const now = this.clock();
    const sync = this.options.store.sync;
    const logFailure = (what: string) => (err: unknown) => {
      this.options.logger.warn({ err: describeError(err) }, `could not ${what} at shutdown; it is freed when this process is found stopped`);
      return 0;
    };
    await sync.inbound.release(this.owner, now).catch(logFailure('give back the events in progress'));
    await sync.outbound.release(this.owner, now, new Date(now.getTime() + this.timings.unansweredGraceMs)).catch(logFailure('give back the writes in progress'));
    await sync.owners.unregister(this.owner).catch(logFailure('unregister this process'));
    await this.registry.close();
  }

  private async purgeIfDue(): Promise<void> {
    const now = this.clock().getTime();
    if (now - this.lastPurge < this.timings.purgeEveryMs) return;
    this.lastPurge = now;
    const retention = this.timings.eventRetentionMs;
    const purged = await this.options.store.sync.inbound.purgeDone(new Date(now - retention));
    if (purged > 0) this.options.logger.info({ purged }, 'purged processed ServiceNow events past their retention');
  }
}

/** Whether a process with this PID runs on this host (EPERM: it does, as another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
