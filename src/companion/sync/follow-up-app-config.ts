import type { Logger } from 'pino';
import { describeError } from '../../shared/errors';
import { SyncApiClient } from '../client/sync-api-client';
import type { Connection } from '../store';
import type { ConnectionRegistry } from './connection-registry';
import type { FollowUpMapping } from './follow-up-mapping';

/**
 * Keeps the app's follow-up table (its property x_incident_io.follow_up_table, set through
 * PUT /config) equal to the mapping's followUps.table on every real-time connection, so the app's
 * follow-up rules push changes of the right table. Once per connection version (a connect that
 * changes the connection is seen at the next step); an instance that cannot be reached or an app
 * that refuses is tried again after `retryMs`.
 */

export interface FollowUpAppConfigDeps {
  registry: ConnectionRegistry;
  mapping: FollowUpMapping;
  logger: Logger;
  clock: () => Date;
  retryMs: number;
}

export class FollowUpAppConfig {
  /** Connection id → the connection version configured, or when to try again. */
  private readonly state = new Map<string, { version: number; done: boolean; retryAt: number }>();

  constructor(private readonly deps: FollowUpAppConfigDeps) {}

  /** Configures every real-time connection not configured yet for its current version. */
  async step(signal: AbortSignal): Promise<void> {
    for (const connection of await this.deps.registry.all()) {
      if (connection.mode !== 'realtime' || signal.aborted) continue;
      const known = this.state.get(connection.id);
      const version = connection.updatedAt.getTime();
      if (known && known.version === version && (known.done || this.deps.clock().getTime() < known.retryAt)) continue;
      const done = await this.configure(connection, signal);
      this.state.set(connection.id, { version, done, retryAt: this.deps.clock().getTime() + this.deps.retryMs });
    }
  }

  /** True when the app's table is the mapping's (set now or already). */
  private async configure(connection: Connection, signal: AbortSignal): Promise<boolean> {
    const table = this.deps.mapping.table;
    const api = new SyncApiClient(this.deps.registry.client(connection).http);
    try {
      const health = await api.health({ signal });
      const current = (health.config as { follow_up_table?: unknown }).follow_up_table;
      if (current === table || (current === undefined && table === 'incident')) return true;
      await api.configure({ follow_up_table: table }, { signal });
      this.deps.logger.info({ connection: connection.name, table }, 'the app now pushes follow-up changes of this table');
      return true;
    } catch (err) {
      this.deps.logger.warn(
        { connection: connection.name, table, err: describeError(err) },
        `the app could not be told the follow-up table: changes to follow-ups in ${table} do not come back in real time until it is ` +
          '(an app that refuses follow_up_table is older than this companion: upgrade it); tried again later',
      );
      return false;
    }
  }
}
