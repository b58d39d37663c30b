import { randomBytes } from 'node:crypto';
import type { ServiceNowConnectionOptions } from '../client';
import {
  openStore,
  Secret,
  SecretDecryptionError,
  type CompanionStore,
  type ConnectionInput,
  type ConnectionMode,
  type SavedConnection,
} from '../store';
import { runChecks, type CheckResult, type CheckRun, type NotRunCheck } from '../commands/check-runner';
import { CONNECT_CHECKS } from './checks';
import { EXIT, type CommandIo, type CommandOutcome } from '../commands/command-io';
import { defaultConnectionName, webhookUrlFor } from './connection-name';
import { CommandOptionsError, resolveConnectSettings, type ConnectFlags, type ConnectSettings } from '../commands/options';
import { lineWriter, printCommandError, printJson, printNotRun, tally } from '../commands/output';
import { SetupSession } from './setup-session';

/**
 * `incident-sn connect`: checks the whole setup of one instance against the setup guide, configures
 * the app's push, and stores the connection, only when every check passed.
 */

export interface ConnectDeps {
  /** Client settings (tests shorten retries and timeouts). */
  connectionOptions?: Partial<ServiceNowConnectionOptions>;
  /** The new signing secret (default: 32 random bytes, base64). */
  generateSecret?: () => Secret;
  clock?: () => Date;
}

export interface ConnectReport {
  checks: CheckResult[];
  notRun: NotRunCheck[];
  /** What was stored, when every check passed. */
  saved?: {
    name: string;
    instanceUrl: string;
    mode: ConnectionMode;
    webhookUrl: string | null;
    created: boolean;
    rotated: boolean;
    dbFile: string;
  };
}

export function newSigningSecret(): Secret {
  return new Secret(randomBytes(32).toString('base64'));
}

/** The name to store under, refusing up front what the store would refuse after the instance was changed. */
async function chooseName(store: CompanionStore, settings: Pick<ConnectSettings, 'name' | 'instanceUrl'>): Promise<string> {
  const stored = await store.listConnections();
  const sameInstance = stored.find((c) => c.instanceUrl === settings.instanceUrl);
  if (settings.name !== undefined && sameInstance && sameInstance.name !== settings.name) {
    throw new CommandOptionsError(
      `${settings.instanceUrl} is already connected as "${sameInstance.name}" (one connection per instance): use ` +
        `--name ${sameInstance.name}, or leave --name out, to update it.`,
      'connection_conflict',
    );
  }
  const name = settings.name ?? sameInstance?.name ?? defaultConnectionName(settings.instanceUrl);
  const sameName = stored.find((c) => c.name === name);
  if (sameName && sameName.instanceUrl !== settings.instanceUrl) {
    throw new CommandOptionsError(
      `The connection name "${name}" is already used for ${sameName.instanceUrl}: choose another with --name.`,
      'connection_conflict',
    );
  }
  return name;
}

/** Saves; if the stored secrets were sealed with another key (so cannot be rotated), stores the connection anew. */
async function save(store: CompanionStore, input: ConnectionInput): Promise<SavedConnection & { replacedUnreadable: boolean }> {
  try {
    return { ...(await store.saveConnection(input)), replacedUnreadable: false };
  } catch (err) {
    if (!(err instanceof SecretDecryptionError)) throw err;
    await store.deleteConnection(input.name);
    return { ...(await store.saveConnection(input)), replacedUnreadable: true };
  }
}

/** What one connect run did: the checks, and what was saved when every check passed. */
export interface ConnectAttempt {
  name: string;
  webhookUrl: string;
  run: CheckRun;
  saved?: SavedConnection & { replacedUnreadable: boolean; mode: ConnectionMode };
}

/**
 * The work of connect on an open store: chooses the name, runs the six checks (each result to
 * `onResult` as it completes), and saves the connection only when all passed. Used by the command
 * and by the web page; throws CommandOptionsError for a name conflict.
 */
export async function connectWithStore(
  store: CompanionStore,
  settings: Omit<ConnectSettings, 'dbFile' | 'databaseUrl' | 'json'>,
  deps: ConnectDeps,
  hooks: { onStart?: (name: string) => void; onResult?: (result: CheckResult) => void } = {},
): Promise<ConnectAttempt> {
  const name = await chooseName(store, settings);
  const webhookUrl = webhookUrlFor(settings.publicUrl, name);
  const session = new SetupSession({
    instanceUrl: settings.instanceUrl,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    username: settings.username,
    password: settings.password,
    connectionName: name,
    push: { kind: 'configure', webhookUrl, integrationUser: settings.username, generateSecret: deps.generateSecret ?? newSigningSecret },
    ...(deps.connectionOptions ? { connectionOptions: deps.connectionOptions } : {}),
  });
  try {
    hooks.onStart?.(name);
    const run = await runChecks(CONNECT_CHECKS, session, hooks.onResult);
    if (!run.allPassed || !session.mode) return { name, webhookUrl, run };
    const mode = session.mode;
    const saved = await save(store, {
      name,
      instanceUrl: settings.instanceUrl,
      mode,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      username: settings.username,
      password: settings.password,
      publicUrl: settings.publicUrl,
      signingSecret: mode === 'realtime' ? (session.configuredSecret ?? null) : null,
      integrationUser: settings.username,
    });
    return { name, webhookUrl, run, saved: { ...saved, mode } };
  } finally {
    await session.close().catch(() => undefined);
  }
}

export async function runConnect(flags: ConnectFlags, io: CommandIo, deps: ConnectDeps = {}): Promise<CommandOutcome<ConnectReport>> {
  const json = flags.json === true;
  const empty: ConnectReport = { checks: [], notRun: [] };

  let settings: ConnectSettings;
  let store: CompanionStore & { location: string };
  try {
    settings = await resolveConnectSettings(flags, io);
    store = await openStore({
      file: settings.dbFile,
      env: io.env,
      ...(settings.databaseUrl !== undefined ? { databaseUrl: settings.databaseUrl } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
  } catch (err) {
    printCommandError(io, err, json);
    return { exitCode: EXIT.usage, results: empty };
  }

  try {
    const attempt = await connectWithStore(store, settings, deps, {
      onStart: (name) => {
        if (!json) io.stdout(`Checking ${settings.instanceUrl} for connection "${name}"…\n`);
      },
      onResult: lineWriter(io, json),
    });
    const { run, name, webhookUrl } = attempt;
    printNotRun(io, run, json);
    const report: ConnectReport = { checks: run.results, notRun: run.notRun };

    if (!attempt.saved) {
      if (json) printJson(io, run.results);
      else io.stdout(`\n✘ ${tally(run)}. Nothing was saved: fix what is marked ✘ and run incident-sn connect again.\n`);
      return { exitCode: EXIT.failed, results: report };
    }

    const saved = attempt.saved;
    const mode = saved.mode;
    report.saved = {
      name,
      instanceUrl: settings.instanceUrl,
      mode,
      webhookUrl: mode === 'realtime' ? webhookUrl : null,
      created: saved.created,
      rotated: saved.rotated,
      dbFile: store.location,
    };
    if (json) printJson(io, run.results);
    else {
      const how = mode === 'realtime' ? `real time: the app pushes to ${webhookUrl}` : 'polling (install the app for real-time sync)';
      const rotation =
        saved.rotated && saved.connection.previousSigningSecret
          ? ' The previous signing secret is kept, so pushes already on their way still verify.'
          : '';
      const anew = saved.replacedUnreadable
        ? ' The connection stored before could not be decrypted with the current key, so it was replaced.'
        : '';
      io.stdout(
        `\n✔ ${tally(run)}. Connection "${name}" ${saved.created ? 'saved' : 'updated'} in ${store.location}; mode ${how}.${rotation}${anew}\n`,
      );
    }
    return { exitCode: EXIT.ok, results: report };
  } catch (err) {
    printCommandError(io, err, json);
    return { exitCode: err instanceof CommandOptionsError ? EXIT.usage : EXIT.failed, results: empty };
  } finally {
    await store.close().catch(() => undefined);
  }
}
