import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { drainOversizedBodies } from '../../shared/drain-oversized-bodies';
import { createLogger } from '../../shared/logger';
import { openStore, type CompanionStore } from '../store';
import { DEFAULT_MAPPING, loadMappingFile, type SyncMapping } from '../sync/mapping';
import { SyncEngine, type SyncEngineOptions } from '../sync/sync-engine';
import { validateTemplatesOnConnections } from '../sync/template-dictionary';
import { validateFollowUpTableOnConnections } from '../sync/follow-up-table-check';
import { errorHandler, sendError } from './api-error';
import { API_KEY_ENV, checkApiKeySetup } from './api-auth';
import { incidentRoutes } from './routes/incidents';
import { operationsRoutes } from './routes/operations';
import { webhookRoutes } from './routes/webhooks';
import { webRoutes, type WebRoutesOptions } from '../web/web-routes';

/**
 * The companion as a service: the incident API, the webhook for the app's pushes, /healthz and
 * /metrics, and the sync's workers. Used by `incident-sn serve`, by tests in-process, and by
 * `npm start`.
 *
 *   const companion = await startCompanion({ storeFile: '.data/companion.db', port: 3000 });
 *   … companion.url …
 *   await companion.close();   // stops accepting, finishes or gives back work in progress
 */

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface StartCompanionOptions {
  /** An open store (the caller closes it), or… */
  store?: CompanionStore;
  /** …the database file to open (closed by close()). Default `.data/companion.db`. */
  storeFile?: string;
  /** PostgreSQL shared by replicas (postgres://…) instead of storeFile; default env DATABASE_URL. */
  databaseUrl?: string;
  /** Where INCIDENT_SN_SECRET_KEY and INCIDENT_SN_API_KEY are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Any other address needs an API key. */
  host?: string;
  /** The mapping, or a mapping file to read. Default: the built-in mapping (docs/sync.md). */
  mapping?: SyncMapping | string;
  /** How often polling connections are polled. Default 10 s. */
  pollIntervalMs?: number;
  /** The incident API's key; default INCIDENT_SN_API_KEY; null: no key (loopback only). */
  apiKey?: string | null;
  logger?: Logger;
  /** Largest push accepted (413 above). Default 1 MiB. */
  webhookBodyLimitBytes?: number;
  /** How long close() lets work in progress finish before aborting it. Default: sync.timings.shutdownGraceMs (10 s). */
  shutdownGraceMs?: number;
  /** Finer settings of the sync (client timeouts, backoff, concurrency, clock). */
  sync?: Partial<Omit<SyncEngineOptions, 'store' | 'mapping' | 'logger'>>;
  /** The web pages (sign-in, Connect, Status, Incidents); tests shorten Connect's retries here. */
  web?: Pick<WebRoutesOptions, 'connectDeps' | 'clock'>;
}

export interface RunningCompanion {
  /** `http://<host>:<port>` */
  url: string;
  port: number;
  host: string;
  store: CompanionStore;
  engine: SyncEngine;
  server: FastifyInstance;
  /** Stops accepting requests, stops the workers (finishing or giving back work in progress), closes what it opened. Idempotent. */
  close(): Promise<void>;
}

function resolveMapping(mapping: SyncMapping | string | undefined): SyncMapping {
  if (mapping === undefined) return DEFAULT_MAPPING;
  return typeof mapping === 'string' ? loadMappingFile(mapping) : mapping;
}

function apiKeyOf(options: StartCompanionOptions, env: NodeJS.ProcessEnv): string | null {
  if (options.apiKey !== undefined) return options.apiKey;
  const fromEnv = env[API_KEY_ENV];
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : null;
}

export async function startCompanion(options: StartCompanionOptions = {}): Promise<RunningCompanion> {
  const env = options.env ?? process.env;
  const host = options.host ?? DEFAULT_HOST;
  const apiKey = apiKeyOf(options, env);
  checkApiKeySetup(host, apiKey);
  const mapping = resolveMapping(options.mapping);
  const logger = options.logger ?? createLogger('companion');

  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openStore({ ...(options.storeFile ? { file: options.storeFile } : {}), ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}), env, ownThread: true }));
  const engine = new SyncEngine({
    ...options.sync,
    store,
    mapping,
    logger,
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });

  try {
    await validateTemplatesOnConnections(mapping, engine.registry, logger);
    await validateFollowUpTableOnConnections(mapping.followUps, engine.registry, logger);
  } catch (err) {
    await engine.registry.close();
    if (ownsStore) await store.close().catch(() => undefined);
    throw err;
  }

  const server = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: 'idle' });
  drainOversizedBodies(server);
  server.setErrorHandler(errorHandler(logger, engine.metrics));
  server.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}.`));
  await server.register(incidentRoutes(engine.incidents, apiKey, engine.followUps), { prefix: '/api' });
  await server.register(webhookRoutes(engine, engine.metrics, options.webhookBodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT));
  await server.register(operationsRoutes(engine));
  await server.register(webRoutes({ store, engine, logger, ...options.web }));

  try {
    await server.listen({ port: options.port ?? DEFAULT_PORT, host });
  } catch (err) {
    await server.close().catch(() => undefined);
    if (ownsStore) await store.close().catch(() => undefined);
    throw err;
  }
  engine.start();
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PORT);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // debug: `serve` and `npm start` print their own first screen; a JSON line there is noise.
  logger.debug({ url, apiKey: apiKey ? 'required' : 'none (loopback only)' }, 'companion listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    host,
    store,
    engine,
    server,
    close: () => {
      closing ??= (async () => {
        try {
          await server.close();
          await engine.stop(options.shutdownGraceMs);
        } finally {
          if (ownsStore) await store.close();
          logger.debug('companion stopped');
        }
      })();
      return closing;
    },
  };
}
