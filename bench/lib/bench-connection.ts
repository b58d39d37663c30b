import { Secret, type CompanionStore, type SavedConnection } from '../../src/companion/store';

/**
 * Saves the realtime connection that the benches of the store alone (no instance, no webhook) give
 * their events and writes: nothing is ever sent to its instance or public URL.
 */
export function saveBenchConnection(
  store: Pick<CompanionStore, 'saveConnection'>,
  urls: { name?: string; instanceUrl?: string; publicUrl?: string; signingSecret?: string } = {},
): Promise<SavedConnection> {
  return store.saveConnection({
    name: urls.name ?? 'bench',
    instanceUrl: urls.instanceUrl ?? 'https://bench.service-now.com',
    mode: 'realtime',
    clientId: 'c',
    clientSecret: new Secret('s'),
    username: 'svc',
    password: new Secret('p'),
    publicUrl: urls.publicUrl ?? 'https://companion.example.com',
    signingSecret: new Secret(urls.signingSecret ?? 'k'),
    integrationUser: 'svc',
  });
}
