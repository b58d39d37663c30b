import { IncidentSnError } from '../../shared/errors';
import type { Logger } from 'pino';
import { DEFAULT_CONNECT_TIMEOUT_MS, RequestBudget, systemRuntime, TableClient, type ServiceNowConnection, type ServiceNowConnectionOptions } from '../client';
import { serviceAccountClient } from '../service-account-client';
import type { CompanionStore, Connection } from '../store';
import { SecretDecryptionError } from '../store';
import type { SyncMetrics } from './metrics';

/**
 * The stored connections as the sync uses them, and one ServiceNow client per connection (one OAuth
 * token, one socket pool). Connections are re-read from the store every few seconds, so a
 * `connect` run (new password, rotated signing secret, realtime ↔ polling) takes effect without a
 * restart; a client is rebuilt when its connection changed.
 */

/**
 * Client settings for background sync. One layer retries failures: the sync's queues (outbound
 * writes, stored changes) retry with their backoff, and a poll that failed runs again at the next
 * poll; so the client makes one attempt (its request timeout is the sync's,
 * SyncTimings.requestTimeoutMs). Rate limits are the exception, paced in the client by the
 * connection's one budget (request-budget.ts): a request waits up to SYNC_RATE_LIMIT_WAIT_MS for a
 * slot, and a request refused with 429 waits for the end of the pause it asked for and goes first,
 * once. A longer wait (ServiceNow's hourly windows) is not waited out here: the 429 reaches the
 * queues, which pause the connection in the database (rate-limit-pause.ts). The interactive
 * commands (connect, doctor, import-catalog) keep the client's own retries: nothing retries above them.
 */
export const SYNC_RATE_LIMIT_WAIT_MS = 10_000;
export const SYNC_CLIENT_DEFAULTS: Partial<ServiceNowConnectionOptions> = {
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  retry: { maxAttempts: 1 },
  rateLimit: { maxWaitMs: SYNC_RATE_LIMIT_WAIT_MS, maxRetries: 1 },
};

export interface ConnectionClient {
  connection: Connection;
  http: ServiceNowConnection;
  table: TableClient;
}

export interface ConnectionRegistryOptions {
  clientOptions?: Partial<ServiceNowConnectionOptions>;
  metrics?: SyncMetrics;
  logger: Logger;
  /** How long the list of connections is reused before reading the store again. Default 2 s. */
  cacheMs?: number;
}

export class ConnectionRegistry {
  private cache: { at: number; byId: Map<string, Connection>; byName: Map<string, Connection>; list: readonly Connection[] } | null = null;
  private loading: Promise<void> | null = null;
  private readonly clients = new Map<string, { updatedAt: number; client: ConnectionClient }>();
  /** One request budget per connection, kept when its client is rebuilt (the rule counts the same account). */
  private readonly budgets = new Map<string, RequestBudget>();
  private readonly warned = new Set<string>();
  private closed = false;

  constructor(
    private readonly store: CompanionStore,
    private readonly options: ConnectionRegistryOptions,
  ) {}

  async all(): Promise<Connection[]> {
    await this.refresh();
    return [...this.cache!.byId.values()];
  }

  /**
   * The connections as last read: the same array until the store is read again, so a caller can
   * keep what it derives from it (InboundProcessor's job input) by identity. Never changed in place.
   */
  async list(): Promise<readonly Connection[]> {
    await this.refresh();
    return this.cache!.list;
  }

  async byName(name: string): Promise<Connection | undefined> {
    await this.refresh();
    return this.cache!.byName.get(name);
  }

  async byId(id: string): Promise<Connection | undefined> {
    await this.refresh();
    return this.cache!.byId.get(id);
  }

  /** Reads the connections again at the next use (after connect changed one, for instance). */
  invalidate(): void {
    this.cache = null;
  }

  /** The client for a connection (built, or rebuilt when the connection changed). */
  client(connection: Connection): ConnectionClient {
    if (this.closed) throw new IncidentSnError('the connection registry is closed', { code: 'connection_registry_closed' });
    const existing = this.clients.get(connection.id);
    if (existing && existing.updatedAt === connection.updatedAt.getTime()) return existing.client;
    if (existing) void existing.client.http.close().catch(() => undefined);
    const hooks = this.options.metrics?.clientHooks(connection.name);
    let budget = this.budgets.get(connection.id);
    if (!budget) {
      const waited = this.options.metrics?.rateLimitWait.labels({ connection: connection.name });
      budget = new RequestBudget({ ...systemRuntime, ...this.options.clientOptions?.runtime }, waited ? (ms) => waited.inc(ms / 1000) : undefined);
      this.budgets.set(connection.id, budget);
    }
    const http = serviceAccountClient(connection, { ...SYNC_CLIENT_DEFAULTS, ...this.options.clientOptions, ...(hooks ?? {}), budget });
    const client: ConnectionClient = { connection, http, table: new TableClient(http) };
    this.clients.set(connection.id, { updatedAt: connection.updatedAt.getTime(), client });
    return client;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.client.http.close().catch(() => undefined)));
  }

  private async refresh(): Promise<void> {
    const maxAge = this.options.cacheMs ?? 2_000;
    if (this.cache && Date.now() - this.cache.at < maxAge) return;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    await this.loading;
  }

  private async load(): Promise<void> {
    const byId = new Map<string, Connection>();
    const byName = new Map<string, Connection>();
    for (const summary of await this.store.listConnections()) {
      try {
        const connection = await this.store.getConnection(summary.name);
        if (!connection) continue;
        byId.set(connection.id, connection);
        byName.set(connection.name, connection);
      } catch (err) {
        if (!(err instanceof SecretDecryptionError)) throw err;
        if (!this.warned.has(summary.name)) {
          this.warned.add(summary.name);
          this.options.logger.error(
            { connection: summary.name },
            'the stored secrets of this connection cannot be decrypted with the current key: it is not synced; run incident-sn connect again',
          );
        }
      }
    }
    this.cache = { at: Date.now(), byId, byName, list: Object.freeze([...byId.values()]) };
  }
}
