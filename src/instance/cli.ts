import { IncidentSnError } from '../shared/errors';
import type { Command } from 'commander';
import { createLogger } from '../shared/logger';
import { acquireProcessLock } from '../shared/process-lock';
import { onStopSignals } from '../shared/stop-signals';
import { startInstance } from './index';
import { DEFAULT_RATE_LIMIT_WINDOW_SECONDS } from './security/rate-limit';

/** Where the instance keeps its data unless told otherwise (relative to the working directory). */
export const DEFAULT_DB_FILE = '.data/instance.db';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

interface InstanceCommandOptions {
  port: string;
  db: string;
  app?: string;
  seed?: string;
  logLevel: string;
  workers: string;
  rateLimitWindowSeconds: string;
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new IncidentSnError(`--port must be a number from 0 to 65535 (got ${JSON.stringify(raw)})`, { code: 'instance_option_invalid' });
  return port;
}

/**
 * `incident-sn instance`: runs the local ServiceNow instance until SIGINT/SIGTERM. It locks its
 * database file first: a second instance (or a `start`) on the same file is refused with the pid.
 */
export function registerInstanceCommand(program: Command): void {
  program
    .command('instance')
    .description('Run the local ServiceNow instance (an emulator for development and tests; not ServiceNow)')
    .option('--port <port>', 'port to listen on (127.0.0.1); 0 picks a free one', '8080')
    .option('--db <file>', `SQLite database file, or :memory: for a throw-away one`, DEFAULT_DB_FILE)
    .option('--app <dir>', 'install an app build on start (the output of now-sdk build, e.g. dist/app)')
    .option('--seed <file>', 'seed a new database from this JSON file instead of the default seed (see docs/local-instance.md)')
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')} (debug logs one line per request)`, 'info')
    .option('--workers <n>', 'scheduler worker threads (async business rules, scheduled jobs); 0 runs none', '2')
    .option(
      '--rate-limit-window-seconds <n>',
      'length of the inbound REST rate-limit window (an emulator setting for tests; ServiceNow counts per clock hour)',
      String(DEFAULT_RATE_LIMIT_WINDOW_SECONDS),
    )
    .action(async (options: InstanceCommandOptions) => {
      if (!LOG_LEVELS.includes(options.logLevel)) throw new IncidentSnError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(options.logLevel)})`, { code: 'instance_option_invalid' });
      if (!/^\d+$/.test(options.workers) || Number(options.workers) > 16) throw new IncidentSnError(`--workers must be a number from 0 to 16 (got ${JSON.stringify(options.workers)})`, { code: 'instance_option_invalid' });
      const workers = Number(options.workers);
      const window = Number(options.rateLimitWindowSeconds);
      if (!/^\d+$/.test(options.rateLimitWindowSeconds) || window < 1 || window > 86_400) {
        throw new IncidentSnError(`--rate-limit-window-seconds must be a whole number of seconds from 1 to 86400 (got ${JSON.stringify(options.rateLimitWindowSeconds)})`, { code: 'instance_option_invalid' });
      }
      const logger = createLogger('instance', { level: options.logLevel });
      const lock = options.db === ':memory:' ? undefined : acquireProcessLock({ file: options.db, command: 'incident-sn instance', alternative: 'pass --db <another file>' });
      const instance = await startInstance({
        port: parsePort(options.port),
        dbPath: options.db,
        app: options.app,
        seed: options.seed,
        logger,
        scheduler: workers === 0 ? false : { workers },
        rateLimitWindowSeconds: window,
      }).catch((err: unknown) => {
        lock?.release();
        throw err;
      });
      const lines = [
        `Local ServiceNow instance: ${instance.url}`,
        `Database: ${options.db === ':memory:' ? `${instance.dbFile} (temporary, deleted on exit)` : instance.dbFile}`,
      ];
      const app = instance.appInstall;
      if (app) {
        lines.push(
          `App: ${app.scope} ${app.version} installed from ${options.app} (${app.inserted} added, ${app.updated} updated, ${app.removed} removed${app.previousVersion ? `; was ${app.previousVersion}` : ''})`,
        );
      }
      if (window !== DEFAULT_RATE_LIMIT_WINDOW_SECONDS) lines.push(`Rate limits: counted per ${window} s window (not per clock hour as on ServiceNow)`);
      lines.push(workers === 0 ? 'Scheduler: off (async business rules and scheduled jobs stay queued)' : `Scheduler: ${workers} worker thread(s); run a scheduled job now with POST /api/now/local/jobs/run (admin)`);
      if (options.seed) lines.push(`Seeded from ${options.seed} (a new database only): see that file for users and passwords.`);
      else {
        lines.push(
          'Default credentials (default seed):',
          '  admin             admin / admin',
          '  service account   svc_incident_io / svc-local-password',
          '  ITIL user         itil.user / itil-password',
          '  OAuth client      incident-io-local / local-client-secret',
        );
      }
      // The handlers first: whoever reads "Stop with Ctrl+C" may send SIGINT at once, and without a handler it would kill the process.
      onStopSignals({
        stop: (signal) => {
          logger.info({ signal }, 'stopping the local instance');
          instance.close().then(
            () => {
              lock?.release();
              process.exit(0);
            },
            (err: unknown) => {
              logger.error({ err }, 'error while stopping');
              process.exit(1);
            },
          );
        },
      });
      lines.push(`Stop with Ctrl+C, or kill -INT ${process.pid}.`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
