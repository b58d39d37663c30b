import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectFlags } from '../../src/companion/commands/options';
import { seedEdits, type Seed } from '../../src/instance';
import { OAUTH_CLIENT, USERS, type TestInstance } from './instance';

/**
 * Shared set-ups for the companion's integration tests against the local instance.
 */

export const SVC = USERS.svc;

/** Connect's flags for the default seed's OAuth client and service account. */
export function svcFlags(sn: { url: string }, db: string, extra: Partial<ConnectFlags> = {}): ConnectFlags {
  return {
    instance: sn.url,
    clientId: OAUTH_CLIENT.id,
    clientSecret: OAUTH_CLIENT.secret,
    username: SVC.user,
    password: SVC.password,
    db,
    json: true,
    ...extra,
  };
}

/**
 * The role the app ships, created by the seed instead: lets the role tests run without the app
 * (the default seed grants it to the service account as soon as it exists).
 */
export function withApiUserRole(seed: Seed): Seed {
  seed.roles.push({ name: 'x_incident_io.api_user', description: 'incident.io API user (normally shipped by the app)' });
  return seed;
}

/** The guide's app-less variant: the service account holds admin. */
export function withAdminServiceAccount(seed: Seed): Seed {
  return seedEdits.grantRole(seed, SVC.user, 'admin');
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A web server that is not ServiceNow: every path answers an HTML page. */
export async function htmlServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html><head><title>Acme intranet</title></head><body>Welcome</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Changes a user through the Table API as admin (lock, deactivate, …). */
export async function patchUser(sn: TestInstance, userName: string, values: Record<string, string>): Promise<void> {
  const found = await sn.list('sys_user', { sysparm_query: `user_name=${userName}`, sysparm_fields: 'sys_id' });
  const sysId = found.result[0]?.sys_id;
  if (typeof sysId !== 'string') throw new Error(`no user ${userName}`);
  const res = await sn.request('PATCH', `/api/now/table/sys_user/${sysId}`, { body: values });
  if (res.status !== 200) throw new Error(`PATCH sys_user ${userName}: ${res.status} ${res.text}`);
}
