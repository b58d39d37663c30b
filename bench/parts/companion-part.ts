import { runConnect } from '../../src/companion/connect/run-connect';
import { startCompanion, type RunningCompanion } from '../../src/companion/server';
import { SECRET_KEY_ENV } from '../../src/companion/store';
import { silentLogger } from '../../src/shared/logger';
import { ACCOUNTS, API_KEY, CONNECTION_NAME, OAUTH_CLIENT } from '../fixtures/accounts';
import { monotonicMs, notify, servePart } from '../lib/part';
import { threadCpu } from '../lib/thread-cpu';

/**
 * The companion in its own process with the product's default settings (workers, idle poll,
 * backoff, client timeouts and rate-limit patience): only the port, the store file and the API key
 * are given. Every applied ServiceNow change is reported to the orchestrator with the moment it was
 * applied on the machine's monotonic clock.
 */

let companion: RunningCompanion | null = null;

function running(): RunningCompanion {
  if (!companion) throw new Error('the companion is not started');
  return companion;
}

servePart({
  async start(options: { storeFile: string; port: number; pollIntervalMs?: number; databaseUrl?: string; secretKey?: string }) {
    companion = await startCompanion({
      storeFile: options.storeFile,
      port: options.port,
      // A replica on PostgreSQL: the shared database and the key every replica is given.
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      env: options.secretKey ? { [SECRET_KEY_ENV]: options.secretKey } : {},
      apiKey: API_KEY,
      logger: silentLogger(),
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    });
    const applied = companion.engine.metrics.eventsApplied;
    const inc = applied.inc.bind(applied) as (...args: unknown[]) => void;
    // The moment is taken when the change is applied; the reports of one turn of the event loop go
    // in one IPC message, so a burst (the ingest runs) does not spend the companion's CPU on IPC.
    let unsent: Array<{ at: number; source: string }> = [];
    (applied as { inc: (...args: unknown[]) => void }).inc = (...args: unknown[]) => {
      inc(...args);
      const labels = args[0] as { source?: string } | undefined;
      unsent.push({ at: monotonicMs(), source: labels?.source ?? '' });
      if (unsent.length > 1) return;
      setImmediate(() => {
        const batch = unsent;
        unsent = [];
        notify('applied', batch);
      });
    };
    return { url: companion.url, port: companion.port };
  },

  /** `incident-sn connect` against the instance, as a customer runs it (default client settings). */
  async connect(options: { instanceUrl: string; storeFile: string; publicUrl?: string; databaseUrl?: string; secretKey?: string }) {
    const c = running();
    let out = '';
    const outcome = await runConnect(
      {
        instance: options.instanceUrl,
        clientId: OAUTH_CLIENT.id,
        clientSecret: OAUTH_CLIENT.secret,
        username: ACCOUNTS.svc.user,
        password: ACCOUNTS.svc.password,
        name: CONNECTION_NAME,
        publicUrl: options.publicUrl ?? c.url,
        db: options.storeFile,
        ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
        json: true,
      },
      { stdout: (t) => (out += t), stderr: (t) => (out += t), env: options.secretKey ? { [SECRET_KEY_ENV]: options.secretKey } : {} },
    );
    if (outcome.exitCode !== 0) throw new Error(`connect failed (exit ${outcome.exitCode}): ${out}`);
    c.engine.registry.invalidate();
    const connection = await c.engine.registry.byName(CONNECTION_NAME);
    if (!connection) throw new Error('connect stored no connection');
    return { mode: connection.mode, id: connection.id };
  },

  /** The connection's signing secret, for the load generator to sign pushes as the app does (never printed). */
  async signingSecret() {
    const connection = await running().engine.registry.byName(CONNECTION_NAME);
    const secret = connection?.signingSecret?.reveal();
    if (!secret) throw new Error('the connection has no signing secret (not a real-time connection)');
    return secret;
  },

  /** This process's CPU time so far (every thread: the event loop, the store's and the pushes' threads), microseconds. */
  async cpuUsage() {
    const { user, system } = process.cpuUsage();
    return user + system;
  },

  /** CPU time of each of this process's threads so far, microseconds, in the order they started (bench/lib/thread-cpu.ts); empty off Linux. */
  async threadCpu() {
    return threadCpu();
  },

  async counts() {
    const c = running();
    return { inbound: await c.store.sync.inbound.countByState(), outbound: await c.store.sync.outbound.countByState() };
  },

  async stop() {
    await companion?.close();
    companion = null;
    setImmediate(() => process.exit(0));
  },
});

process.once('SIGTERM', () => {
  void (companion?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
