import { ServiceNowConnection, type ServiceNowConnectionOptions } from './client';
import type { Connection } from './store';

/**
 * A ServiceNow client signed in as a stored connection's service account (OAuth password grant
 * with its OAuth application). Each use passes its own defaults: setup commands fail fast, the
 * sync and the import are patient.
 */
export function serviceAccountClient(connection: Connection, options: Partial<ServiceNowConnectionOptions> = {}): ServiceNowConnection {
  return new ServiceNowConnection({
    ...options,
    instance: connection.instanceUrl,
    credentials: {
      kind: 'password',
      clientId: connection.clientId,
      clientSecret: connection.clientSecret.reveal(),
      username: connection.username,
      password: connection.password.reveal(),
    },
  });
}
