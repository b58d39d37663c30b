import type { Command } from 'commander';
import { EXIT, type CommandIo, type CommandOutcome } from '../companion/commands/command-io';
import { describeError, IncidentSnError } from '../shared/errors';
import { createLogger, type Logger } from '../shared/logger';
import { acquireProcessLock, type ProcessLock } from '../shared/process-lock';
import { onStopSignals } from '../shared/stop-signals';
import { startInstance, type RunningInstance } from './index';
import { DEFAULT_SCRIPT_TIMEOUT_MS } from './runtime/script-runtime';
import { DEFAULT_RATE_LIMIT_WINDOW_SECONDS } from './security/rate-limit';

/** Where the instance keeps its data unless told otherwise (relative to the working directory). */
export const DEFAULT_DB_FILE = '.data/instance.db';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface InstanceCommandFlags {
  port: string;
  db: string;
  app?: string;
  seed?: string;
  logLevel: string;
  workers: string;
  rateLimitWindowSeconds: string;
  scriptTimeoutSeconds: string;
}

/** What the flags mean once checked. */
export interface InstanceCommandOptions {
  port: number;
  db: string;
  app?: string;
  seed?: string;
  logLevel: string;
  workers: number;
  rateLimitWindowSeconds: number;
  scriptTimeoutSeconds: number;
}

/** An option the instance cannot run with; the message names the option and what it accepts. */
export class InstanceOptionsError extends IncidentSnError {
  constructor(message: string) {
    super(message, { code: 'instance_option_invalid' });
  }
}

/** Checks every flag before anything starts, in the order the old hand-written checks ran. */
export function instanceOptions(flags: InstanceCommandFlags): InstanceCommandOptions {
  if (!LOG_LEVELS.includes(flags.logLevel)) throw new InstanceOptionsError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(flags.logLevel)})`);
  if (!/^\d+$/.test(flags.workers) || Number(flags.workers) > 16) throw new InstanceOptionsError(`--workers must be a number from 0 to 16 (got ${JSON.stringify(flags.workers)})`);
  const window = Number(flags.rateLimitWindowSeconds);
  if (!/^\d+$/.test(flags.rateLimitWindowSeconds) || window < 1 || window > 86_400) {
    throw new InstanceOptionsError(`--rate-limit-window-seconds must be a whole number of seconds from 1 to 86400 (got ${JSON.stringify(flags.rateLimitWindowSeconds)})`);
  }
  const scriptTimeout = Number(flags.scriptTimeoutSeconds);
  if (!/^\d+$/.test(flags.scriptTimeoutSeconds) || scriptTimeout < 1 || scriptTimeout > 3600) {
    throw new InstanceOptionsError(`--script-timeout-seconds must be a whole number of seconds from 1 to 3600 (got ${JSON.stringify(flags.scriptTimeoutSeconds)})`);
  }
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65535) throw new InstanceOptionsError(`--port must be a number from 0 to 65535 (got ${JSON.stringify(flags.port)})`);
  return {
    port,
    db: flags.db,
    ...(flags.app !== undefined ? { app: flags.app } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    logLevel: flags.logLevel,
    workers: Number(flags.workers),
    rateLimitWindowSeconds: window,
    scriptTimeoutSeconds: scriptTimeout,
  };
}

function banner(options: InstanceCommandOptions, instance: RunningInstance): string[] {
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
  const window = options.rateLimitWindowSeconds;
  if (window !== DEFAULT_RATE_LIMIT_WINDOW_SECONDS) lines.push(`Rate limits: counted per ${window} s window (not per clock hour as on ServiceNow)`);
  lines.push(
    options.workers === 0
      ? 'Scheduler: off (async business rules and scheduled jobs stay queued)'
      : `Scheduler: ${options.workers} worker thread(s); run a scheduled job now with POST /api/now/local/jobs/run (admin)`,
  );
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
  lines.push(`Stop with Ctrl+C, or kill -INT ${process.pid}.`);
  return lines;
}

/**
 * Runs the local instance until `deps.stop` resolves (by default: SIGINT or SIGTERM). A bad option
 * or a failed start prints its message and ends with exit status 1; a clean stop with 0, a failed
 * stop with 1.
 */
export async function runInstance(
  flags: InstanceCommandFlags,
  io: CommandIo,
  deps: { stop?: Promise<unknown>; onStarted?: (instance: RunningInstance) => void } = {},
): Promise<CommandOutcome<{ url?: string }>> {
  let options: InstanceCommandOptions;
  let logger: Logger;
  let lock: ProcessLock | undefined;
  let instance: RunningInstance;
  try {
    options = instanceOptions(flags);
    logger = createLogger('instance', { level: options.logLevel });
    lock = options.db === ':memory:' ? undefined : acquireProcessLock({ file: options.db, command: 'incident-sn instance', alternative: 'pass --db <another file>' });
    instance = await startInstance({
      port: options.port,
      dbPath: options.db,
      app: options.app,
      seed: options.seed,
      logger,
      scheduler: options.workers === 0 ? false : { workers: options.workers, scriptTimeoutMs: options.scriptTimeoutSeconds * 1000 },
      rateLimitWindowSeconds: options.rateLimitWindowSeconds,
      scriptTimeoutMs: options.scriptTimeoutSeconds * 1000,
    });
  } catch (err) {
    lock?.release();
    io.stderr(`${describeError(err)}\n`);
    return { exitCode: EXIT.failed, results: {} };
  }
  // The handlers before the banner: whoever reads "Stop with Ctrl+C" may send SIGINT at once, and without a handler it would kill the process.
  let markClosed!: () => void;
  const instanceClosed = new Promise<void>((resolve) => (markClosed = resolve));
  const stop =
    deps.stop ??
    new Promise<NodeJS.Signals>((resolve) => {
      const stopListening = onStopSignals({ stop: resolve });
      void instanceClosed.then(stopListening);
    });
  io.stdout(`${banner(options, instance).join('\n')}\n`);
  deps.onStarted?.(instance);
  const signal = await stop;
  logger.info({ signal }, 'stopping the local instance');
  try {
    await instance.close();
    lock?.release();
    return { exitCode: EXIT.ok, results: { url: instance.url } };
  } catch (err) {
    logger.error({ err }, 'error while stopping');
    return { exitCode: EXIT.failed, results: { url: instance.url } };
  } finally {
    markClosed();
  }
}

/** The process's output streams (the instance never prompts). */
function terminalIo(): CommandIo {
  return { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text), env: process.env };
}

/**
 * `incident-sn instance`: runs the local ServiceNow instance until SIGINT/SIGTERM. It locks its
 * database file first: a second instance (or a `start`) on the same file is refused with the pid.
 */
export function registerInstanceCommand(program: Command, io: () => CommandIo = terminalIo): void {
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
    .option(
      '--script-timeout-seconds <n>',
      'longest one transaction\'s scripts may run before they are stopped (as a transaction quota on an instance)',
      String(DEFAULT_SCRIPT_TIMEOUT_MS / 1000),
    )
    .action(async (flags: InstanceCommandFlags) => {
      process.exitCode = (await runInstance(flags, io())).exitCode;
    });
}
