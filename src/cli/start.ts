import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Command } from 'commander';
import { runImportCatalog } from '../companion/catalog/run-import-catalog';
import type { CommandIo } from '../companion/commands/command-io';
import { envAction } from '../companion/commands/env-options';
import { databaseUrlOf, databaseUrlOption } from '../companion/commands/options';
import { runConnect } from '../companion/connect/run-connect';
import { startCompanion, type RunningCompanion } from '../companion/server/start-companion';
import { startInstance, type RunningInstance } from '../instance';
import { buildAppIfStale, DIST_APP } from '../shared/build-app';
import { IncidentSnError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { acquireProcessLocks, type ProcessLock } from '../shared/process-lock';
import { onStopSignals } from '../shared/stop-signals';
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../companion/web/passwords';

/**
 * `npm start` (`incident-sn start`): the whole product on one machine. Builds the app, starts the
 * local ServiceNow instance with the app installed and its demo data, connects the companion to it
 * with the seeded service account (the same checks as `incident-sn connect`), imports the catalog,
 * and serves. Data lives in the data folder between runs; `--reset` starts over. Before touching
 * anything it locks the data folder's databases, so a second `start` (or a `serve` or `instance`
 * on the same files) is refused with the holder's pid, and `--reset` never deletes what a running
 * process uses.
 */

/** The seeded OAuth application and service account of the local instance (docs/local-instance.md). */
const LOCAL_CREDENTIALS = {
  clientId: 'incident-io-local',
  clientSecret: 'local-client-secret',
  username: 'svc_incident_io',
  password: 'svc-local-password',
} as const;
export const LOCAL_CONNECTION = 'local';

export interface StartOptions {
  /** Where the instance's and the companion's databases live. Default `.data`. */
  dataDir?: string;
  /** Delete the data folder's databases and key first (once the lock is held, and confirmed). */
  reset?: boolean;
  /** Asked before --reset deletes anything (with what it would delete); false cancels. Default: go ahead. */
  confirmReset?: (dataDir: string, files: string[]) => Promise<boolean>;
  /** The local instance's port (default 8080; 0 picks a free one). */
  instancePort?: number;
  /** The companion's port (default 3000; 0 picks a free one). */
  port?: number;
  /** PostgreSQL for the companion's data instead of the data folder's companion.db (else DATABASE_URL). */
  databaseUrl?: string;
}

export interface RunningStack {
  instance: RunningInstance;
  companion: RunningCompanion;
  /** The web pages' demo user; `password` only on the run that created it (it is printed once). */
  demoUser: { email: string; password?: string };
  close(): Promise<void>;
}

export class StartError extends IncidentSnError {}

const DATA_FILES = ['instance.db', 'companion.db', 'secret.key'];
/** The databases `start` locks: the same files `instance --db` and `serve --db` lock. */
const LOCKED_FILES = ['instance.db', 'companion.db'];

export const DEMO_USER_EMAIL = 'demo@example.com';

/** The first run creates a user for the web pages with a random password (shown once, stored only hashed). */
async function ensureDemoUser(companion: RunningCompanion): Promise<RunningStack['demoUser']> {
  if ((await companion.store.users.countUsers()) > 0) return { email: DEMO_USER_EMAIL };
  const password = randomBytes(12).toString('base64url');
  await companion.store.users.createUser(DEMO_USER_EMAIL, await hashPassword(password));
  return { email: DEMO_USER_EMAIL, password };
}

/** The data files present in the folder, as --reset would delete them. */
function dataFiles(dataDir: string): string[] {
  return DATA_FILES.flatMap((base) => [base, `${base}-wal`, `${base}-shm`]).filter((file) => fs.existsSync(path.join(dataDir, file)));
}

function removeData(dataDir: string, files: string[], io: CommandIo): void {
  for (const file of files) fs.rmSync(path.join(dataDir, file), { force: true });
  io.stdout(files.length ? `Reset: removed ${files.join(', ')} from ${dataDir}\n` : `Reset: ${dataDir} held no data yet\n`);
}

function lockData(dataDir: string): ProcessLock[] {
  return acquireProcessLocks(
    LOCKED_FILES.map((file) => ({ file: path.join(dataDir, file), command: 'incident-sn start', alternative: 'pass --data-dir <another folder>' })),
  );
}

const releaseAll = (locks: ProcessLock[]): void => {
  for (const lock of locks) lock.release();
};

function portInUse(err: unknown): boolean {
  return (err as { code?: string }).code === 'EADDRINUSE';
}

async function listen<T>(what: string, option: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (portInUse(err)) {
      throw new StartError(
        `Port ${port} is in use, so the ${what} cannot listen: stop what uses it, or pass ${option} <port> (0 picks a free one). ` +
          'A second setup next to a running one also needs its own --data-dir.',
        {
          code: 'port_in_use',
          cause: err,
        },
      );
    }
    throw err;
  }
}

/** Starts everything and returns once the companion is connected and serving. */
export async function startLocalStack(options: StartOptions, io: CommandIo): Promise<RunningStack> {
  const dataDir = path.resolve(options.dataDir ?? '.data');
  fs.mkdirSync(dataDir, { recursive: true });
  const locks = lockData(dataDir);
  try {
    if (options.reset) {
      const files = dataFiles(dataDir);
      if (files.length > 0 && options.confirmReset && !(await options.confirmReset(dataDir, files))) {
        throw new StartError(`Reset cancelled: nothing was deleted from ${dataDir}.`, { code: 'reset_cancelled' });
      }
      removeData(dataDir, files, io);
    }
    const stack = await startServices(dataDir, options, io);
    return {
      ...stack,
      close: async () => {
        try {
          await stack.close();
        } finally {
          releaseAll(locks);
        }
      },
    };
  } catch (err) {
    releaseAll(locks);
    throw err;
  }
}

async function startServices(dataDir: string, options: StartOptions, io: CommandIo): Promise<RunningStack> {
  io.stdout('Building the app (now-sdk build)… ');
  io.stdout((await buildAppIfStale()) ? 'built dist/app\n' : 'dist/app is up to date\n');

  const instancePort = options.instancePort ?? 8080;
  const instance = await listen('local instance', '--instance-port', instancePort, () =>
    startInstance({ port: instancePort, dbPath: path.join(dataDir, 'instance.db'), app: DIST_APP, logLevel: 'warn' }),
  );
  let companion: RunningCompanion | undefined;
  try {
    io.stdout(`Local ServiceNow instance (an emulator): ${instance.url}\n`);
    const companionPort = options.port ?? 3000;
    const companionDb = path.join(dataDir, 'companion.db');
    // --database-url, else DATABASE_URL (each command resolves it the same way), else companionDb.
    const database = { db: companionDb, ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}) };
    companion = await listen('companion', '--port', companionPort, () =>
      startCompanion({
        storeFile: companionDb,
        ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
        port: companionPort,
        env: io.env,
        logger: createLogger('companion', { level: 'warn' }),
      }),
    );
    io.stdout(`Companion (the incident.io side): ${companion.url}\n\nConnecting the companion to the instance:\n`);
    // The same local instance on another port since the last run: move the connection (keeping
    // what is synced under it) rather than refuse it as another instance's.
    if (await companion.store.moveConnection(LOCAL_CONNECTION, instance.url)) {
      io.stdout(`The local instance now listens at ${instance.url}: connection "${LOCAL_CONNECTION}" moved there.\n`);
    }

    const connected = await runConnect(
      { instance: instance.url, ...LOCAL_CREDENTIALS, name: LOCAL_CONNECTION, publicUrl: companion.url, ...database },
      io,
    );
    if (connected.exitCode !== 0) throw new StartError('Connecting to the local instance failed (see the checks above).', { code: 'connect_failed' });

    io.stdout('\nImporting the catalog (CIs, services, users, groups):\n');
    const imported = await runImportCatalog({ name: LOCAL_CONNECTION, ...database }, io);
    if (imported.exitCode !== 0) io.stderr('The catalog import did not finish; the sync runs without it. Re-run: incident-sn import-catalog\n');
  } catch (err) {
    await companion?.close().catch(() => undefined);
    await instance.close().catch(() => undefined);
    throw err;
  }
  const running = companion;
  const demoUser = await ensureDemoUser(running);
  return {
    instance,
    companion: running,
    demoUser,
    close: async () => {
      await running.close();
      await instance.close();
    },
  };
}

/** What to try once everything runs. */
export function tryThis(stack: RunningStack, dataDir: string): string {
  const sn = stack.instance.url;
  const api = stack.companion.url;
  return [
    '',
    `Ready. incident.io side: ${api}/api/incidents   ServiceNow (emulated): ${sn}   metrics: ${api}/metrics`,
    '',
    `Web pages (Connect, Status, Incidents): ${api}/`,
    stack.demoUser.password
      ? `  sign in as ${stack.demoUser.email} with password ${stack.demoUser.password}  (shown only now; change it: incident-sn user add --email ${stack.demoUser.email} --replace)`
      : `  sign in as ${stack.demoUser.email} (its password was shown on the first run; set a new one: incident-sn user add --email ${stack.demoUser.email} --replace --db ${path.join(dataDir, 'companion.db')})`,
    '',
    'Things to try:',
    '  1. Declare an incident in incident.io; it becomes a ServiceNow incident (see "servicenow" in the answer):',
    `     curl -s -X POST '${api}/api/incidents?wait=10' -H 'Content-Type: application/json' \\`,
    `       -d '{"name":"Checkout is down","summary":"Payments fail with 502","severity":"critical","status":"investigating"}'`,
    '  2. Change it in ServiceNow as the ITIL user (use the sys_id from step 1):',
    `     curl -s -u itil.user:itil-password -X PATCH ${sn}/api/now/table/incident/<sys_id> \\`,
    `       -H 'Content-Type: application/json' -d '{"urgency":"2","work_notes":"Rolled back the deploy"}'`,
    '  3. Watch it arrive in incident.io, in real time (the app pushes it):',
    `     curl -s ${api}/api/incidents`,
    '',
    `The instance's own pages (an emulator's): ${sn}/incident_list.do, sign in as admin/admin or itil.user/itil-password. Data is kept in ${dataDir} between runs;`,
    `\`npm start -- --reset\` starts over. Stop with Ctrl+C, or kill -INT ${process.pid} (or npm's pid).`,
    '',
  ].join('\n');
}

function io(): CommandIo {
  return { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env };
}

/** --reset's question on a terminal; with no terminal to ask on, a refusal saying to add --yes. */
async function confirmOnTerminal(dataDir: string, files: string[]): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new StartError(`--reset would delete ${files.join(', ')} from ${dataDir}, and there is no terminal to confirm on: add --yes to delete without asking.`, {
      code: 'reset_unconfirmed',
    });
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  rl.once('SIGINT', () => rl.close()); // Ctrl+C at the question: no
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''));
      rl.question(`--reset deletes ${files.join(', ')} from ${dataDir}: everything synced and configured there. Delete? [y/N] `, resolve);
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new StartError(`Not a port: ${value} (give 0 to 65535; 0 picks a free one).`);
  return n;
}

interface StartFlags {
  reset?: boolean;
  yes?: boolean;
  dataDir: string;
  instancePort: number;
  port: number;
  databaseUrl?: string;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run everything locally: build the app, start the local instance with it, connect the companion, import the catalog, serve.')
    .option('--reset', 'delete the local data (both databases and the key; never a --database-url database) and start over; asks first on a terminal')
    .option('--yes', 'with --reset: delete without asking (needed when not on a terminal)')
    .option('--data-dir <dir>', 'where the databases live', '.data')
    .option('--instance-port <port>', 'the local instance\'s port (0: a free one)', port, 8080)
    .option('--port <port>', 'the companion\'s port (0: a free one)', port, 3000)
    .addOption(databaseUrlOption())
    .action(
      envAction<StartFlags>(io, async (flags, out) => {
        const dataDir = path.resolve(flags.dataDir);
        // Listening from the start: a stop asked for while starting (the build can take a while)
        // stops once everything is up, rather than killing the process halfway through.
        let stack: RunningStack | undefined;
        let stopRequested = false;
        let stopped!: () => void;
        const done = new Promise<void>((resolve) => (stopped = resolve));
        const stop = (): void => {
          if (!stack) {
            stopRequested = true;
            out.stdout('\nStopping once started (again to exit at once)…\n');
            return;
          }
          out.stdout('\nStopping…\n');
          stack
            .close()
            .then(() => out.stdout(`Stopped. Data kept in ${dataDir}.\n`))
            .catch((err: unknown) => {
              out.stderr(`Stopping failed: ${err instanceof Error ? err.message : String(err)}\n`);
              process.exitCode = 1;
            })
            .finally(stopped);
        };
        const stopListening = onStopSignals({ stop });
        try {
          stack = await startLocalStack(
            {
              reset: flags.reset === true,
              confirmReset: flags.yes === true ? undefined : confirmOnTerminal,
              dataDir: flags.dataDir,
              instancePort: flags.instancePort,
              port: flags.port,
              ...(databaseUrlOf(flags.databaseUrl) !== undefined ? { databaseUrl: databaseUrlOf(flags.databaseUrl)! } : {}),
            },
            out,
          );
        } catch (err) {
          stopListening();
          out.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
          process.exitCode = 1;
          return;
        }
        out.stdout(tryThis(stack, dataDir));
        if (stopRequested) stop();
        await done;
        stopListening();
      }),
    );
}
