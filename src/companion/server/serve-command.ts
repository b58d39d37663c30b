import type { Command } from 'commander';
import { EXIT, type CommandIo, type CommandOutcome } from '../commands/command-io';
import { envAction, envOption } from '../commands/env-options';
import { connectOption, databaseUrlOf, databaseUrlOption, dbFileOf } from '../commands/options';
import { DEFAULT_DB_FILE } from '../store';
import { DEFAULT_POLL_INTERVAL_MS } from '../sync/sync-timings';
import { printCommandError } from '../commands/output';
import { IncidentSnError } from '../../shared/errors';
import { acquireProcessLock, type ProcessLock } from '../../shared/process-lock';
import { onStopSignals } from '../../shared/stop-signals';
import { API_KEY_ENV } from './api-auth';
import { DEFAULT_HOST, DEFAULT_PORT, startCompanion, type RunningCompanion, type StartCompanionOptions } from './start-companion';

/**
 * `incident-sn serve`: the companion as a long-running service, until SIGINT or SIGTERM (then a
 * graceful stop: no new requests, work in progress finished or given back). It locks its database
 * first: a second `serve` (or a `start`) on the same file is refused with the holder's pid.
 */

export const MAPPING_ENV = 'INCIDENT_SN_MAPPING';
export const DEFAULT_POLL_INTERVAL_SECONDS = DEFAULT_POLL_INTERVAL_MS / 1000;

export interface ServeFlags {
  port?: string;
  host?: string;
  db?: string;
  databaseUrl?: string;
  mapping?: string;
  pollInterval?: string;
}

export class ServeOptionsError extends IncidentSnError {
  constructor(message: string) {
    super(message, { code: 'invalid_option' });
  }
}

/** The options of `serve` (flags, or their variables as env-options.ts took them); `env` goes to the companion. */
export function serveOptions(flags: ServeFlags, env: NodeJS.ProcessEnv): StartCompanionOptions {
  const port = flags.port === undefined ? DEFAULT_PORT : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServeOptionsError(`--port must be a port number (0 to 65535); got ${JSON.stringify(flags.port)}.`);
  const seconds = flags.pollInterval === undefined ? DEFAULT_POLL_INTERVAL_SECONDS : Number(flags.pollInterval);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 86_400) {
    throw new ServeOptionsError(`--poll-interval must be a number of seconds from 0.1 to 86400; got ${JSON.stringify(flags.pollInterval)}.`);
  }
  const mapping = flags.mapping?.trim();
  const databaseUrl = databaseUrlOf(flags.databaseUrl);
  return {
    port,
    host: flags.host ?? DEFAULT_HOST,
    storeFile: dbFileOf(flags.db),
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    env,
    pollIntervalMs: Math.round(seconds * 1000),
    ...(mapping ? { mapping } : {}),
  };
}

/** Starts the companion and resolves once it has stopped (after `stop` resolves, or on SIGINT/SIGTERM). */
export async function runServe(
  flags: ServeFlags,
  io: CommandIo,
  deps: { stop?: Promise<unknown>; onStarted?: (companion: RunningCompanion) => void } = {},
): Promise<CommandOutcome<{ url?: string }>> {
  let companion: RunningCompanion;
  let lock: ProcessLock | undefined;
  try {
    const options = serveOptions(flags, io.env);
    // Replicas share PostgreSQL on purpose; a SQLite file has one companion.
    if (options.databaseUrl === undefined) {
      lock = acquireProcessLock({ file: options.storeFile!, command: 'incident-sn serve', alternative: 'pass --db <another file>' });
    }
    companion = await startCompanion(options);
  } catch (err) {
    lock?.release();
    printCommandError(io, err, false);
    return { exitCode: EXIT.usage, results: {} };
  }
  // The signal handlers before the banner: whoever reads it may send SIGINT at once.
  let markClosed!: () => void;
  const companionClosed = new Promise<void>((resolve) => (markClosed = resolve));
  const stop =
    deps.stop ??
    new Promise<void>((resolve) => {
      const stopListening = onStopSignals({ stop: () => resolve() });
      void companionClosed.then(stopListening);
    });
  io.stdout(
    `incident.io companion listening on ${companion.url}\n` +
      `  incident API   ${companion.url}/api/incidents${io.env[API_KEY_ENV] ? ' (Authorization: Bearer $' + API_KEY_ENV + ')' : ''}\n` +
      `  app pushes     ${companion.url}/webhooks/servicenow/<connection>\n` +
      `  health         ${companion.url}/healthz   metrics ${companion.url}/metrics\n` +
      `  stop           Ctrl+C, or kill -INT ${process.pid}\n`,
  );
  deps.onStarted?.(companion);
  await stop;
  io.stderr('Stopping: finishing work in progress…\n');
  try {
    await companion.close();
  } finally {
    lock?.release();
    markClosed();
  }
  return { exitCode: EXIT.ok, results: { url: companion.url } };
}

export function registerServeCommand(program: Command, io: () => CommandIo): void {
  program
    .command('serve')
    .description(
      'Serve the incident API, receive the app\'s pushes, poll connections without the app, and sync both ways until ' +
        `SIGINT/SIGTERM. The API needs ${API_KEY_ENV} (Authorization: Bearer) unless it listens on a loopback address.`,
    )
    .option('--port <port>', `port to listen on (default ${DEFAULT_PORT}; 0 picks one)`)
    .option('--host <host>', `address to listen on (default ${DEFAULT_HOST}; any other needs ${API_KEY_ENV})`)
    .addOption(connectOption('db', '<file>', ` (default ${DEFAULT_DB_FILE})`))
    .addOption(databaseUrlOption())
    .addOption(envOption('--mapping <file>', 'a JSON mapping file overriding the default mapping (docs/sync.md)', MAPPING_ENV))
    .option('--poll-interval <seconds>', `how often connections without the app are polled (default ${DEFAULT_POLL_INTERVAL_SECONDS})`)
    .action(
      envAction<ServeFlags>(io, async (flags, commandIo) => {
        process.exitCode = (await runServe(flags, commandIo)).exitCode;
      }),
    );
}
