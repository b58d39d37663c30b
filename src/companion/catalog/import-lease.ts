import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { CatalogImportHolder, CatalogStore } from '../store/catalog-store';
import { DEFAULT_SYNC_TIMINGS } from '../sync/sync-timings';
import { CatalogImportBusyError, CatalogImportLeaseLostError, type CatalogImportError } from './errors';

/**
 * One catalog import per connection at a time, across every replica sharing the database: the
 * import holds the connection's lease in `catalog_import_leases` and renews it every second. A
 * holder killed mid-way stops renewing, and its lease lapses IMPORT_LEASE_MS after the last renewal.
 */

/** How long a lease runs without renewal: a dead importer's connection is free again within this (the sync's liveness rule, sync-timings.ts). */
export const IMPORT_LEASE_MS = DEFAULT_SYNC_TIMINGS.staleAfterMs;
/** How often a running import renews its lease: the sync's heartbeat. */
export const IMPORT_LEASE_RENEW_MS = DEFAULT_SYNC_TIMINGS.heartbeatMs;

export interface ImportLeaseOptions {
  catalog: Pick<CatalogStore, 'takeImportLease' | 'renewImportLease' | 'releaseImportLease'>;
  connection: { id: string; name: string };
  /** Default: this process, with a fresh owner id. */
  holder?: CatalogImportHolder;
  /** Stops the work too (the work gets a signal that fires on either). */
  signal?: AbortSignal;
  clock?: () => Date;
  leaseMs?: number;
  renewMs?: number;
}

/** This process as an importer; the owner id is new on every call (one process may import twice). */
export function thisProcessHolder(): CatalogImportHolder {
  return { owner: `import-${randomUUID()}`, host: os.hostname(), pid: process.pid };
}

/**
 * Runs `work` while holding the connection's import lease. Throws CatalogImportBusyError (naming the
 * holder and since when) when another process holds it; stops the work with
 * CatalogImportLeaseLostError when the lease could not be renewed before it ran out.
 */
export async function withImportLease<T>(options: ImportLeaseOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { catalog, connection } = options;
  const clock = options.clock ?? (() => new Date());
  const leaseMs = options.leaseMs ?? IMPORT_LEASE_MS;
  const holder = options.holder ?? thisProcessHolder();
  const at = clock();
  const taken = await catalog.takeImportLease(connection.id, holder, at, new Date(at.getTime() + leaseMs));
  if (!taken.taken) throw new CatalogImportBusyError(connection.name, taken.holder, taken.since, taken.until);

  const stop = new AbortController();
  const forward = (): void => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener('abort', forward, { once: true });
  let lost: CatalogImportLeaseLostError | undefined;
  let heldUntil = at.getTime() + leaseMs;
  let renewing = false;
  const renew = async (): Promise<void> => {
    if (renewing || stop.signal.aborted) return;
    renewing = true;
    const now = clock().getTime();
    try {
      if (await catalog.renewImportLease(connection.id, holder.owner, new Date(now + leaseMs))) heldUntil = now + leaseMs;
      else lost = new CatalogImportLeaseLostError(connection.name);
    } catch (err) {
      // A failed renewal is tried again next tick; the lease is lost only once it has run out.
      if (clock().getTime() >= heldUntil) lost = new CatalogImportLeaseLostError(connection.name, err);
    } finally {
      renewing = false;
    }
    if (lost) stop.abort(lost);
  };
  const timer = setInterval(() => void renew(), options.renewMs ?? IMPORT_LEASE_RENEW_MS);
  timer.unref();
  try {
    return await work(stop.signal);
  } catch (err) {
    if (!lost) throw err;
    const summary = (err as Partial<CatalogImportError>).summary;
    if (summary) lost.summary = summary;
    throw lost;
  } finally {
    clearInterval(timer);
    options.signal?.removeEventListener('abort', forward);
    await catalog.releaseImportLease(connection.id, holder.owner).catch(() => undefined);
  }
}
