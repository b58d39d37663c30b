import { DEFAULT_CONNECT_TIMEOUT_MS, TableClient, type ServiceNowConnection, type ServiceNowConnectionOptions } from '../client';
import { serviceAccountClient } from '../service-account-client';
import type { Connection } from '../store';

/**
 * The Table API client an import uses for a stored connection. Its waits are longer than connect's:
 * an import may run for minutes, so it waits out rate limits (up to ten minutes in all per call)
 * rather than stopping at the first 429, and retries failed reads a few times.
 */

export const IMPORT_CONNECTION_DEFAULTS: Partial<ServiceNowConnectionOptions> = {
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  requestTimeoutMs: 60_000,
  retry: { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 10_000, maxTotalMs: 120_000 },
  rateLimit: { maxWaitMs: 10 * 60_000, maxRetries: 20 },
};

export interface CatalogClient {
  table: TableClient;
  connection: ServiceNowConnection;
  close(): Promise<void>;
}

/** Opens a client authenticated as the connection's service account (OAuth password grant). */
export function openCatalogClient(connection: Connection, overrides: Partial<ServiceNowConnectionOptions> = {}): CatalogClient {
  const sn = serviceAccountClient(connection, { ...IMPORT_CONNECTION_DEFAULTS, ...overrides });
  return { table: new TableClient(sn), connection: sn, close: () => sn.close() };
}
