import type { ServiceNowConnectionOptions } from '../../src/companion/client';
import { runConnect } from '../../src/companion/connect/run-connect';
import { startCompanion, type RunningCompanion, type StartCompanionOptions } from '../../src/companion/server';
import { SECRET_KEY_ENV, type Connection } from '../../src/companion/store';
import type { IncidentView } from '../../src/companion/server/incident-view';
import { silentLogger } from '../../src/shared/logger';
import type { StartInstanceOptions } from '../../src/instance';
import { holdRetryJob, startAppInstance } from './app-instance';
import { captureIo, tempDataDir } from './command-io';
import { svcFlags, withAdminServiceAccount } from './connect-fixture';
import { startTestInstance, USERS, type TestInstance } from './instance';
import { TEST_SECRET_KEY } from './store-backends';
import { waitFor } from './wait-for';

/**
 * The sync end to end: a local instance (with the app's real build for real time, without it and
 * an admin service account for polling), the companion started in this process on port 0, and
 * `connect` run in-process against both, exactly as a customer would.
 */

export const API_KEY = 'test-api-key-0123456789abcdef';
export const CONNECTION = 'local';

/** ServiceNow client settings for tests: short timeouts, quick retries, no waiting on rate limits. */
export const SYNC_TEST_CLIENT: Partial<ServiceNowConnectionOptions> = {
  connectTimeoutMs: 2_000,
  requestTimeoutMs: 5_000,
  retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 2_000 },
  rateLimit: { maxWaitMs: 0, maxRetries: 0 },
};

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface SyncFixture {
  sn: TestInstance;
  companion: RunningCompanion;
  connection: Connection;
  data: ReturnType<typeof tempDataDir>;
  /** A call to the incident API with the key. */
  api<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  declare(body: Record<string, unknown>): Promise<IncidentView>;
  incident(id: string): Promise<IncidentView>;
  /** Waits until the incident is linked to its ServiceNow record and has nothing left to write. */
  synced(id: string): Promise<IncidentView>;
  /** An incident on the instance, read as admin through the Table API. */
  record(sysId: string, fields?: string[]): Promise<Record<string, string>>;
  /** PATCH an incident on the instance as a user (itil.user by default). */
  patchRecord(sysId: string, values: Record<string, unknown>, as?: { user: string; password: string }): Promise<Record<string, string>>;
  /** ServiceNow API calls the companion made that got an answer (its client's onResponse), by "METHOD route status". */
  calls(): Promise<Record<string, number>>;
  /** Incident creates (POST) and updates (PATCH) the companion made that ServiceNow accepted. */
  writes(): Promise<{ post: number; patch: number }>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  instance?: StartInstanceOptions;
  companion?: Partial<StartCompanionOptions>;
  /** PostgreSQL instead of the SQLite file (the companion and connect get TEST_SECRET_KEY). */
  databaseUrl?: string;
}

/** The environment of a companion on `databaseUrl` (its replicas share the key), or none for SQLite. */
export function storeEnv(databaseUrl: string | undefined): NodeJS.ProcessEnv {
  return databaseUrl === undefined ? {} : { [SECRET_KEY_ENV]: TEST_SECRET_KEY };
}

export async function companionFor(dbFile: string, options: Partial<StartCompanionOptions>, databaseUrl?: string): Promise<RunningCompanion> {
  return startCompanion({
    storeFile: dbFile,
    env: storeEnv(databaseUrl),
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    port: 0,
    apiKey: API_KEY,
    logger: silentLogger(),
    shutdownGraceMs: 2_000,
    ...options,
    sync: {
      clientOptions: SYNC_TEST_CLIENT,
      outboundBackoff: { baseMs: 100, maxMs: 400 },
      unansweredGraceMs: 500,
      inboundBackoff: { baseMs: 50, maxMs: 200 },
      idleMs: 50,
      defaultMetrics: false,
      ...options.sync,
    },
  });
}

async function connect(sn: TestInstance, dbFile: string, publicUrl: string, databaseUrl?: string): Promise<void> {
  const io = captureIo(storeEnv(databaseUrl));
  const flags = svcFlags(sn, dbFile, { name: CONNECTION, publicUrl, json: true, ...(databaseUrl !== undefined ? { databaseUrl } : {}) });
  const outcome = await runConnect(flags, io, { connectionOptions: SYNC_TEST_CLIENT });
  if (outcome.exitCode !== 0) throw new Error(`connect failed (${outcome.exitCode}): ${io.out()} ${io.err()}`);
}

function fixture(sn: TestInstance, companion: RunningCompanion, connection: Connection, data: ReturnType<typeof tempDataDir>): SyncFixture {
  const api = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const res = await fetch(`${companion.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${API_KEY}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON (metrics)
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  const self: SyncFixture = {
    sn,
    companion,
    connection,
    data,
    api,
    async declare(body) {
      const res = await api<IncidentView>('POST', '/api/incidents', body);
      if (res.status !== 201) throw new Error(`declare failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async incident(id) {
      const res = await api<IncidentView>('GET', `/api/incidents/${id}`);
      if (res.status !== 200) throw new Error(`GET incident failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async synced(id) {
      return waitFor(
        async () => {
          const view = await self.incident(id);
          return view.servicenow !== null && view.sync.pending_writes === 0 ? view : undefined;
        },
        { message: `incident ${id} to be written to ServiceNow` },
      );
    },
    async record(sysId, fields) {
      const res = await sn.request('GET', `/api/now/table/incident/${sysId}`, {
        query: { sysparm_exclude_reference_link: true, ...(fields ? { sysparm_fields: fields.join(',') } : {}) },
      });
      if (res.status !== 200) throw new Error(`GET incident ${sysId}: ${res.status} ${res.text}`);
      return (res.json as { result: Record<string, string> }).result;
    },
    async patchRecord(sysId, values, as = USERS.itil) {
      const res = await sn.request('PATCH', `/api/now/table/incident/${sysId}`, { auth: as, body: values, query: { sysparm_exclude_reference_link: true } });
      if (res.status !== 200) throw new Error(`PATCH incident ${sysId}: ${res.status} ${res.text}`);
      return (res.json as { result: Record<string, string> }).result;
    },
    async calls() {
      const metric = await companion.engine.metrics.apiCalls.get();
      const counts: Record<string, number> = {};
      for (const v of metric.values) {
        const key = `${v.labels.method} ${v.labels.route} ${v.labels.status}`;
        counts[key] = (counts[key] ?? 0) + v.value;
      }
      return counts;
    },
    async writes() {
      const calls = await this.calls();
      const sum = (prefix: string) =>
        Object.entries(calls)
          .filter(([key]) => key.startsWith(prefix) && / 2\d\d$/.test(key))
          .reduce((n, [, count]) => n + count, 0);
      return { post: sum('POST /api/now/table/incident '), patch: sum('PATCH /api/now/table/incident/{sys_id} ') };
    },
    async close() {
      await companion.close().catch(() => undefined);
      await sn.close().catch(() => undefined);
      data.remove();
    },
  };
  return self;
}

async function storedConnection(companion: RunningCompanion): Promise<Connection> {
  companion.engine.registry.invalidate();
  const connection = await companion.engine.registry.byName(CONNECTION);
  if (!connection) throw new Error('the connection was not stored');
  return connection;
}

/** The app installed, pushes configured by connect to this companion's webhook. */
export async function startRealtimeFixture(options: FixtureOptions = {}): Promise<SyncFixture> {
  const data = tempDataDir();
  const sn = await startAppInstance({ scheduler: { workers: 2, pollIntervalMs: 5_000 }, ...options.instance });
  try {
    await holdRetryJob(sn);
    const companion = await companionFor(data.db, options.companion ?? {}, options.databaseUrl);
    try {
      await connect(sn, data.db, companion.url, options.databaseUrl);
      return fixture(sn, companion, await storedConnection(companion), data);
    } catch (err) {
      await companion.close();
      throw err;
    }
  } catch (err) {
    await sn.close();
    data.remove();
    throw err;
  }
}

/** No app; the service account holds admin; connect stores a polling connection. */
export async function startPollingFixture(options: FixtureOptions = {}): Promise<SyncFixture> {
  const data = tempDataDir();
  const seed = options.instance?.seed;
  const sn = await startTestInstance({ ...options.instance, seed: seed === undefined ? [withAdminServiceAccount] : [withAdminServiceAccount, seed].flat() as StartInstanceOptions['seed'] });
  try {
    const companion = await companionFor(data.db, { pollIntervalMs: 100, ...options.companion }, options.databaseUrl);
    try {
      await connect(sn, data.db, companion.url, options.databaseUrl);
      const connection = await storedConnection(companion);
      if (connection.mode !== 'polling') throw new Error(`expected a polling connection, got ${connection.mode}`);
      return fixture(sn, companion, connection, data);
    } catch (err) {
      await companion.close();
      throw err;
    }
  } catch (err) {
    await sn.close();
    data.remove();
    throw err;
  }
}
