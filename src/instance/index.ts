import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createLogger } from '../shared/logger';
import { installApp } from './app/install-app';
import { installRoutes } from './app/install-routes';
import { sdkRoutes } from './app/sdk-support/sdk-routes';
import type { InstallSummary } from './app/installer';
import { MEMORY_DB } from './db/database';
import type { InstanceContext } from './http/context';
import { scriptedRestRoutes } from './http/scripted-rest';
import { uiActionRoutes } from './http/ui-action-route';
import { buildHttpServer, type HttpExtension } from './http/server';
import { InstanceEngine } from './records/engine';
import type { InstanceHooks } from './records/hooks';
import { attachRuntime } from './runtime';
import type { ScriptRuntime } from './runtime/script-runtime';
import { jobsRoute } from './scheduler/jobs-route';
import { Scheduler, type SchedulerOptions } from './scheduler/scheduler';
import { Authenticator } from './security/auth';
import { OAuthService, type TokenLifetimes } from './security/oauth';
import { RateLimiter } from './security/rate-limit';
import { applySeed } from './seed/load';
import { resolveSeed, type SeedOption } from './seed/source';

export interface StartInstanceOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /**
   * SQLite file (created if missing), or ':memory:' (the default) for a private temporary file that
   * close() deletes. A file database keeps its data across restarts; the seed loads only into a new one.
   */
  dbPath?: string;
  /** The seed for a new database: a file, an object, a function editing the default seed, or a list of those. */
  seed?: SeedOption;
  /** Token lifetimes overriding the OAuth application's (seconds; fractions allowed). */
  tokenLifetimes?: TokenLifetimes;
  /** Return the still-valid access token to a repeated token request (default true, as the platform may). */
  reuseValidAccessToken?: boolean;
  /** pino level of the instance's log (default 'silent'); ignored when `logger` is given. */
  logLevel?: string;
  logger?: Logger;
  /** An app build to install on start (`dist/app`); installing it again on restart changes nothing. */
  app?: string;
  /**
   * Hooks replacing the script runtime's (business rules, ACL scripts, `javascript:` values) on the
   * main thread; the scheduler's workers always use the runtime.
   */
  hooks?: Partial<InstanceHooks>;
  /** The scheduler (async business rules, scheduled jobs) in worker threads; `false`: none (jobs stay queued). */
  scheduler?: SchedulerOptions | false;
  /**
   * Length of the inbound REST rate-limit window, seconds (default 3600: per clock hour, as on the
   * platform). Shorter windows are an emulator setting for tests; windows align on multiples of it.
   */
  rateLimitWindowSeconds?: number;
  /** Longest a script may run on the main thread, ms (default 120 s). */
  scriptTimeoutMs?: number;
  /** More HTTP routes (scripted REST APIs, the installer's endpoints). */
  extensions?: HttpExtension[];
}

export interface RunningInstance {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  engine: InstanceEngine;
  context: InstanceContext;
  server: FastifyInstance;
  /** The database file (for ':memory:', the temporary file): what worker threads open. */
  dbFile: string;
  /** The script runtime of the main thread (business rules of HTTP writes, scripted REST APIs). */
  runtime: ScriptRuntime;
  /** The scheduler (null when started with `scheduler: false`): runNow(), pause(), resume(). */
  scheduler: Scheduler | null;
  /** What installing the `app` option did (null without it). */
  appInstall: InstallSummary | null;
  /** Stops the scheduler, stops listening and closes the database (deleting a temporary one). Idempotent. */
  close(): Promise<void>;
}

/** Starts a local instance: opens (and if new, seeds) the database, optionally installs an app, listens. */
export async function startInstance(options: StartInstanceOptions = {}): Promise<RunningInstance> {
  const logger = options.logger ?? createLogger('instance', { level: options.logLevel ?? 'silent' });
  const engine = InstanceEngine.open({ dbPath: options.dbPath ?? MEMORY_DB, logger });
  let server: FastifyInstance | null = null;
  let scheduler: Scheduler | null = null;
  try {
    const { runtime } = attachRuntime(engine, { scriptTimeoutMs: options.scriptTimeoutMs });
    if (options.hooks) engine.setHooks(options.hooks);
    await applySeed(engine, resolveSeed(options.seed));
    const appInstall = options.app ? await installApp({ engine, appDir: options.app, logger }) : null;
    scheduler = options.scheduler === false ? null : new Scheduler(engine, logger, options.scheduler ?? {});
    const auth = new Authenticator(engine);
    const context: InstanceContext = {
      engine,
      logger,
      auth,
      oauth: new OAuthService(engine, auth, { lifetimes: options.tokenLifetimes, reuseValidAccessToken: options.reuseValidAccessToken }),
      rateLimiter: new RateLimiter(engine, options.rateLimitWindowSeconds),
    };
    const builtIn: HttpExtension[] = [installRoutes, sdkRoutes(runtime), uiActionRoutes(runtime), scriptedRestRoutes(runtime), ...(scheduler ? [jobsRoute(scheduler)] : [])];
    server = await buildHttpServer(context, [...builtIn, ...(options.extensions ?? [])]);
    const host = options.host ?? '127.0.0.1';
    await server.listen({ port: options.port ?? 0, host });
    const address = server.server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    scheduler?.start();
    logger.info({ url, db: engine.dbFile }, 'local instance listening');
    let closing: Promise<void> | null = null;
    const running: RunningInstance = {
      url,
      port,
      engine,
      context,
      server,
      dbFile: engine.dbFile,
      runtime,
      scheduler,
      appInstall,
      close: () => {
        closing ??= (async () => {
          try {
            await scheduler?.close();
            await running.server.close();
          } finally {
            engine.close();
          }
        })();
        return closing;
      },
    };
    return running;
  } catch (err) {
    await scheduler?.close().catch(() => undefined);
    if (server) await server.close().catch(() => undefined);
    engine.close();
    throw err;
  }
}

export { InstanceEngine } from './records/engine';
export { Scheduler, type SchedulerOptions } from './scheduler/scheduler';
export type { JobOutcome } from './scheduler/job-runner';
export type { InstallSummary } from './app/installer';
export type { Session } from './records/session';
export { seedEdits } from './seed/edits';
export { loadDefaultSeed, type SeedOption } from './seed/source';
export type { Seed } from './seed/types';
