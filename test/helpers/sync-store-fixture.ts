import { Secret, type CompanionStore, type Connection, type ConnectionInput } from '../../src/companion/store';

/**
 * The rows most sync store tests start from: a connection (secrets that are never used, an
 * instance address nothing listens on) and incidents of it.
 */

export function testConnectionInput(overrides: Partial<ConnectionInput> = {}): ConnectionInput {
  return {
    name: 'acme',
    instanceUrl: 'http://127.0.0.1:9',
    mode: 'realtime',
    clientId: 'c',
    clientSecret: new Secret('s'),
    username: 'svc',
    password: new Secret('p'),
    publicUrl: 'http://127.0.0.1:3000',
    signingSecret: new Secret('k'),
    integrationUser: 'svc',
    ...overrides,
  };
}

export async function saveTestConnection(store: CompanionStore, overrides: Partial<ConnectionInput> = {}): Promise<Connection> {
  return (await store.saveConnection(testConnectionInput(overrides))).connection;
}

/** An incident of the connection, created and updated at `at`. */
export async function insertTestIncident(
  store: CompanionStore,
  input: { id: string; connectionId: string; at: Date; referenceNumber?: number; name?: string },
): Promise<void> {
  await store.sync.incidents.insertIncident({
    id: input.id,
    referenceNumber: input.referenceNumber ?? 1,
    connectionId: input.connectionId,
    name: input.name ?? 'x',
    summary: '',
    status: 'triage',
    severity: 'minor',
    lead: null,
    createdAt: input.at,
    updatedAt: input.at,
  });
}
