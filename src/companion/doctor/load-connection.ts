import { CommandOptionsError } from '../commands/options';
import type { CompanionStore, Connection } from '../store';

/**
 * The stored connection a command works on: the one named, or the only one when no name is given.
 */
export async function loadConnection(store: CompanionStore & { location: string }, name: string | undefined): Promise<Connection> {
  if (name !== undefined) {
    const found = await store.getConnection(name);
    if (found) return found;
    const names = (await store.listConnections()).map((c) => c.name);
    throw new CommandOptionsError(
      `No connection named "${name}" in ${store.location}${names.length ? `; stored: ${names.join(', ')}` : ''}. ` +
        `Run incident-sn connect to create it.`,
      'connection_not_found',
    );
  }
  const all = await store.listConnections();
  if (all.length === 0) {
    throw new CommandOptionsError(`No connection is stored in ${store.location}: run incident-sn connect first.`, 'connection_not_found');
  }
  if (all.length > 1) {
    throw new CommandOptionsError(
      `${all.length} connections are stored (${all.map((c) => c.name).join(', ')}): choose one with --name (or INCIDENT_SN_CONNECTION).`,
      'connection_ambiguous',
    );
  }
  return (await store.getConnection(all[0]!.name))!;
}
