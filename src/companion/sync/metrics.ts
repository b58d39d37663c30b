import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestFailedEvent, ResponseEvent } from '../client';
import type { InboundState, OutboundState } from '../store/sync-store';
import { VERIFICATION_FAILURES } from '../webhooks/verification-error';
import { INBOUND_OUTCOMES } from './inbound-processor';

/** Why a push was refused before anything was stored (incident_sn_events_rejected_total's reason). */
const PUSH_REJECTION_REASONS = [
  'unsupported_media_type',
  'body_too_large',
  'unknown_connection',
  ...VERIFICATION_FAILURES,
  'invalid_json',
  'invalid_schema',
  // Refused for now, sent again by the app: the database is unreachable, or the push lost every retry to concurrent changes.
  'store_unavailable',
  'busy',
];

/**
 * The companion's Prometheus metrics, in a registry of its own (several companions can run in one
 * process, as the tests do). Labels have bounded values: connection names, event types, reasons,
 * HTTP statuses, and the client's `route` (sys_ids replaced by `{sys_id}`).
 */

export interface QueueDepthSource {
  outbound(): Promise<Record<OutboundState, number>>;
  inbound(): Promise<Record<InboundState, number>>;
  /** Connections paused by a rate limit (by name), with what ServiceNow asked for and the next probe. */
  rateLimited?(): Promise<Array<{ connection: string; until: Date; nextProbeAt: Date }>>;
}

export class SyncMetrics {
  readonly registry = new Registry();

  /** Events accepted from ServiceNow (stored, or duplicates answered 2xx without storing). */
  readonly eventsReceived = new Counter({
    name: 'incident_sn_events_received_total',
    help: 'ServiceNow changes received (pushes, changes read from the app\'s outbox before their push came, polled changes), by connection, source (push, outbox, poll), type and result (stored or duplicate)',
    labelNames: ['connection', 'source', 'type', 'result'] as const,
    registers: [this.registry],
  });

  /** Pushes refused before anything was stored. */
  readonly eventsRejected = new Counter({
    name: 'incident_sn_events_rejected_total',
    help: `Pushes refused with nothing stored, by reason (${PUSH_REJECTION_REASONS.join(', ')})`,
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Stored events once processed, by what applying them did. */
  readonly eventsProcessed = new Counter({
    name: 'incident_sn_events_processed_total',
    help: `Stored ServiceNow changes processed, by connection, source, type and outcome (${[...INBOUND_OUTCOMES, 'failed'].join(', ')})`,
    labelNames: ['connection', 'source', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly eventsApplied = new Counter({
    name: 'incident_sn_events_applied_total',
    help: 'ServiceNow changes that changed an incident.io incident or its timeline, by connection and source',
    labelNames: ['connection', 'source'] as const,
    registers: [this.registry],
  });

  readonly syncLag = new Histogram({
    name: 'incident_sn_sync_lag_seconds',
    help: 'Time from a change in ServiceNow (occurred_at) to its being applied in incident.io',
    labelNames: ['source'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });

  readonly outboundWrites = new Counter({
    name: 'incident_sn_outbound_writes_total',
    help: 'Writes to ServiceNow by connection, kind (create, update, note) and result (done, adopted, noop, retry, dead)',
    labelNames: ['connection', 'kind', 'result'] as const,
    registers: [this.registry],
  });

  readonly apiCalls = new Counter({
    name: 'incident_sn_servicenow_api_calls_total',
    help: 'ServiceNow API calls that got an answer, by connection, method, route and HTTP status',
    labelNames: ['connection', 'method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly apiFailures = new Counter({
    name: 'incident_sn_servicenow_api_failures_total',
    help: 'ServiceNow API calls that got no answer (network error, timeout), by connection, method, route and error code',
    labelNames: ['connection', 'method', 'route', 'code'] as const,
    registers: [this.registry],
  });

  /** Time requests spent waiting for a slot of their connection's rate-limit budget (client/request-budget.ts). */
  readonly rateLimitWait = new Counter({
    name: 'incident_sn_servicenow_rate_limit_wait_seconds_total',
    help: "Seconds ServiceNow requests waited for a slot of their connection's rate-limit budget (paced under the rule, or held after a 429), by connection",
    labelNames: ['connection'] as const,
    registers: [this.registry],
  });

  constructor(depth: QueueDepthSource, options: { defaultMetrics?: boolean } = {}) {
    new Gauge({
      name: 'incident_sn_outbound_queue_depth',
      help: 'Writes to ServiceNow not done yet, by state (pending, sending), and given up (dead)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await depth.outbound();
        for (const state of ['pending', 'sending', 'dead'] as const) this.set({ state }, counts[state]);
      },
    });
    new Gauge({
      name: 'incident_sn_inbound_queue_depth',
      help: 'Stored ServiceNow changes not applied yet, by state (pending, processing), and given up (failed)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await depth.inbound();
        for (const state of ['pending', 'processing', 'failed'] as const) this.set({ state }, counts[state]);
      },
    });
    if (depth.rateLimited) {
      const rateLimited = depth.rateLimited.bind(depth);
      new Gauge({
        name: 'incident_sn_connection_rate_limited',
        help: 'Connections ServiceNow rate-limited (1): writes to them wait, but for one probe at a time; absent once a probe passed',
        labelNames: ['connection'] as const,
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const p of await rateLimited()) this.set({ connection: p.connection }, 1);
        },
      });
      new Gauge({
        name: 'incident_sn_connection_rate_limit_seconds',
        help: 'For each rate-limited connection, seconds until the next probe (kind="next_probe") and until the end of what Retry-After asked for (kind="retry_after")',
        labelNames: ['connection', 'kind'] as const,
        registers: [this.registry],
        async collect() {
          this.reset();
          const now = Date.now();
          for (const p of await rateLimited()) {
            this.set({ connection: p.connection, kind: 'next_probe' }, Math.max(0, (p.nextProbeAt.getTime() - now) / 1000));
            this.set({ connection: p.connection, kind: 'retry_after' }, Math.max(0, (p.until.getTime() - now) / 1000));
          }
        },
      });
    }
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'incident_sn_' });
  }

  /** The ServiceNowConnection hooks for one connection. */
  clientHooks(connection: string): { onResponse: (e: ResponseEvent) => void; onRequestFailed: (e: RequestFailedEvent) => void } {
    return {
      onResponse: (e) => this.apiCalls.inc({ connection, method: e.method, route: e.route, status: String(e.status) }),
      onRequestFailed: (e) => this.apiFailures.inc({ connection, method: e.method, route: e.route, code: e.errorCode }),
    };
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
