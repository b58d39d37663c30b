import { parseInstanceUrl, type ServiceNowConnectionOptions } from '../client';
import { runChecks, type Check, type CheckResult, type NotRunCheck } from '../commands/check-runner';
import { SETUP_VERIFY_CHECKS } from '../connect/checks';
import { EXIT, type CommandIo, type CommandOutcome } from '../commands/command-io';
import { webhookUrlFor } from '../connect/connection-name';
import { connectionNameOf, storeOptionsOf } from '../commands/options';
import { lineWriter, printCommandError, printJson, printNotRun, tally } from '../commands/output';
import { SetupSession } from '../connect/setup-session';
import { openStore, type CompanionStore, type Connection, type ConnectionMode } from '../store';
import { HEALTH_FINDINGS } from './health-findings';
import { loadConnection } from './load-connection';
import { rateLimitFinding } from './rate-limit-finding';

/**
 * `incident-sn doctor`: re-runs connect's checks against a stored connection without changing
 * anything, adds the app's delivery health, and records when it ran and what it found.
 */

export interface DoctorFlags {
  name?: string;
  db?: string;
  databaseUrl?: string;
  json?: boolean;
}

export interface DoctorDeps {
  connectionOptions?: Partial<ServiceNowConnectionOptions>;
  clock?: () => Date;
}

export interface DoctorReport {
  connection?: string;
  checks: CheckResult[];
  notRun: NotRunCheck[];
}

/** The setup checks, then (for a real-time connection) the app's delivery health. */
export function doctorChecks(mode: ConnectionMode): readonly Check<SetupSession>[] {
  return mode === 'realtime' ? [...SETUP_VERIFY_CHECKS, ...HEALTH_FINDINGS] : SETUP_VERIFY_CHECKS;
}

/** A read-only setup session for a stored connection (doctor verifies the push, it never configures it). */
export function doctorSession(connection: Connection, connectionOptions?: Partial<ServiceNowConnectionOptions>): SetupSession {
  return new SetupSession({
    instanceUrl: parseInstanceUrl(connection.instanceUrl),
    clientId: connection.clientId,
    clientSecret: connection.clientSecret,
    username: connection.username,
    password: connection.password,
    connectionName: connection.name,
    push: {
      kind: 'verify',
      webhookUrl: webhookUrlFor(connection.publicUrl, connection.name),
      integrationUser: connection.integrationUser,
      storedMode: connection.mode,
    },
    ...(connectionOptions ? { connectionOptions } : {}),
  });
}

export async function runDoctor(flags: DoctorFlags, io: CommandIo, deps: DoctorDeps = {}): Promise<CommandOutcome<DoctorReport>> {
  const json = flags.json === true;
  const clock = deps.clock ?? (() => new Date());
  let store: CompanionStore & { location: string };
  let connection: Connection;
  try {
    const name = connectionNameOf(flags.name);
    store = await openStore({ ...storeOptionsOf(flags, io.env), clock });
    try {
      connection = await loadConnection(store, name);
    } catch (err) {
      await store.close();
      throw err;
    }
  } catch (err) {
    printCommandError(io, err, json);
    return { exitCode: EXIT.usage, results: { checks: [], notRun: [] } };
  }

  let session: SetupSession | undefined;
  try {
    session = doctorSession(connection, deps.connectionOptions);
    if (!json) io.stdout(`Checking connection "${connection.name}" (${connection.instanceUrl}, mode ${connection.mode})…\n`);
    const checked = await runChecks(doctorChecks(connection.mode), session, lineWriter(io, json));
    // Reported only while the sync is paused by a rate limit (a healthy connection lists the setup checks alone).
    const paused = await rateLimitFinding(store, connection, clock());
    if (paused) lineWriter(io, json)(paused);
    const run = paused ? { ...checked, results: [...checked.results, paused], allPassed: false } : checked;
    printNotRun(io, run, json);
    const attention = [...run.results.filter((r) => !r.ok).map((r) => r.id), ...run.notRun.map((n) => n.id)];
    const summary = run.allPassed ? `all ${run.results.length} checks passed` : `${tally(run)}; needs attention: ${attention.join(', ')}`;
    await store.recordConnectionCheck(connection.name, { at: clock(), status: run.allPassed ? 'ok' : 'attention', summary });
    if (json) printJson(io, run.results);
    else if (run.allPassed) io.stdout(`\n✔ ${tally(run)}: connection "${connection.name}" is healthy.\n`);
    else io.stdout(`\n✘ ${tally(run)}: connection "${connection.name}" needs attention; follow the fixes marked ✘.\n`);
    return { exitCode: run.allPassed ? EXIT.ok : EXIT.failed, results: { connection: connection.name, checks: run.results, notRun: run.notRun } };
  } catch (err) {
    printCommandError(io, err, json);
    return { exitCode: EXIT.failed, results: { connection: connection.name, checks: [], notRun: [] } };
  } finally {
    await session?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  }
}
