import type { Logger } from 'pino';
import type { BackoffPolicy } from '../../server/lib/backoff';
import type { CompanionStore } from '../store';
import type { ConnectionRegistry } from './connection-registry';
import type { SyncMapping } from './mapping';
import type { SyncMetrics } from './metrics';

/** What every sync worker (the poller, the inbound and outbound processors) is given by the engine. */
export interface SyncWorkerDeps {
  store: CompanionStore;
  registry: ConnectionRegistry;
  mapping: SyncMapping;
  metrics: SyncMetrics;
  logger: Logger;
  /** This replica's name on the leases it takes. */
  owner: string;
  clock: () => Date;
}

/** A queue worker's (inbound, outbound) too: its lease and the backoff of its retries. */
export interface QueueWorkerDeps extends SyncWorkerDeps {
  random: () => number;
  leaseMs: number;
  backoff: BackoffPolicy;
}
