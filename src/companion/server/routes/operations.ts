import type { FastifyInstance } from 'fastify';
import type { SyncEngine } from '../../sync/sync-engine';

/** `GET /healthz` (the store answers and the workers run: 200, else 503) and `GET /metrics` (Prometheus text). */
export function operationsRoutes(engine: SyncEngine) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', async (_request, reply) => {
      const health = await engine.health();
      // 503 only when this process cannot work (store, workers): a connection's own problem is the
      // instance's to fix and would take every replica out of a load balancer for nothing.
      return reply.code(health.ok ? 200 : 503).send({
        status: health.ok ? (health.problems.length > 0 ? 'degraded' : 'ok') : 'unhealthy',
        store: health.store,
        workers: Object.fromEntries(
          health.workers.map((w) => [w.name, { running: w.running, busy: w.busy, last_beat_at: new Date(w.lastBeatAt).toISOString() }]),
        ),
        rate_limited: health.rateLimits.map((r) => ({
          connection: r.connection,
          since: r.since.toISOString(),
          retry_after_until: r.until.toISOString(),
          next_probe_at: r.nextProbeAt.toISOString(),
          retry_after_seconds: r.retryAfterSeconds,
          hits: r.hits,
        })),
        connection_problems: health.problems.map((p) => ({
          connection: p.connection,
          kind: p.kind,
          message: p.message,
          since: p.since.toISOString(),
          last_seen_at: p.lastSeenAt.toISOString(),
          failures: p.failures,
        })),
      });
    });

    app.get('/metrics', async (_request, reply) => {
      const text = await engine.metrics.text();
      return reply.type(engine.metrics.registry.contentType).send(text);
    });
  };
}
