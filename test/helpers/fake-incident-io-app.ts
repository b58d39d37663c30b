import type http from 'node:http';
import { DEFAULTS, summarizeConfig, type AppConfig } from '../../src/server/lib/config';
import { validateConfigUpdate } from '../../src/server/lib/config-validation';
import { APP_VERSION, SCOPE } from '../../src/server/lib/constants';
import type { LastDelivery } from '../../src/server/lib/health';
import type { FakeServiceNow, RecordedRequest } from './fake-servicenow';

/**
 * Makes a FakeServiceNow answer like an instance with the incident.io app installed, for the
 * companion's unit tests of what needs the app: GET /health in the app's shape, and PUT /config
 * validated by the app's own code (src/server/lib/config-validation.ts) and applied to the state
 * health reports. Tests change `state` to stage what the app would report (dead events, failing
 * deliveries, ACL decisions). The integration tests run the real app on the local instance.
 */

export interface FakeAppState {
  config: AppConfig;
  outbox: { queued: number; sending: number; delivered: number; failed: number; dead: number };
  oldestPendingAgeSeconds: number | null;
  lastDelivery: LastDelivery | null;
  callerRoles: Record<string, boolean>;
  taskAccess: { create: boolean; read: boolean; write: boolean };
  /** Users PUT /config accepts as integration_user. */
  users: string[];
  /** Every PUT /config body received. */
  configRequests: Array<Record<string, unknown>>;
  /** When false, PUT /config answers 200 but changes nothing (an app that ignores us). */
  applyConfig: boolean;
}

const FOREVER = Number.POSITIVE_INFINITY;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function installFakeApp(fake: FakeServiceNow, overrides: Partial<FakeAppState> = {}): FakeAppState {
  const state: FakeAppState = {
    config: { enabled: false, webhookUrl: '', signingSecret: '', integrationUser: '', followUpTable: 'incident', ...DEFAULTS, clone: null },
    outbox: { queued: 0, sending: 0, delivered: 0, failed: 0, dead: 0 },
    oldestPendingAgeSeconds: null,
    lastDelivery: null,
    callerRoles: { 'x_incident_io.api_user': true, cmdb_read: true, sn_cmdb_user: true, incident_manager: true, admin: false },
    taskAccess: { create: true, read: true, write: true },
    users: [fake.account.username, 'admin'],
    configRequests: [],
    applyConfig: true,
    ...overrides,
  };
  const authenticated = (request: RecordedRequest): boolean => (request.headers.authorization ?? '') !== '';

  fake.once(
    { method: 'GET', path: '/api/x_incident_io/v1/sync/health' },
    (request, res) => {
      if (!authenticated(request)) return 'pass';
      send(res, 200, {
        result: {
          app: { scope: SCOPE, version: APP_VERSION },
          instance: 'fake',
          time: new Date().toISOString(),
          config: summarizeConfig(state.config),
          outbox: state.outbox,
          oldest_pending_age_seconds: state.oldestPendingAgeSeconds,
          last_delivery: state.lastDelivery,
          clone_detected: state.config.clone,
          caller: { user_name: fake.account.username, roles: state.callerRoles, task_access: state.taskAccess },
        },
      });
      return undefined;
    },
    FOREVER,
  );

  fake.once(
    { method: 'PUT', path: '/api/x_incident_io/v1/sync/config' },
    (request, res) => {
      if (!authenticated(request)) return 'pass';
      const body = JSON.parse(request.body) as Record<string, unknown>;
      state.configRequests.push(body);
      const result = validateConfigUpdate(body, { userExists: (u) => state.users.includes(u), current: state.config });
      if (!result.ok) {
        send(res, 400, { error: { message: 'Invalid incident.io configuration', detail: result.errors.join('; ') }, status: 'failure' });
        return undefined;
      }
      if (state.applyConfig) {
        const u = result.update;
        if (u.webhook_url !== undefined) state.config.webhookUrl = u.webhook_url;
        if (u.signing_secret !== undefined) state.config.signingSecret = u.signing_secret;
        if (u.integration_user !== undefined) state.config.integrationUser = u.integration_user;
        if (u.enabled !== undefined) state.config.enabled = u.enabled;
      }
      send(res, 200, { result: summarizeConfig(state.config) });
      return undefined;
    },
    FOREVER,
  );
  return state;
}

/** sys_user_has_role rows for a user (the fake filters on `user.user_name=`). */
export function grantRoles(fake: FakeServiceNow, userName: string, roles: string[]): void {
  fake.seed(
    'sys_user_has_role',
    roles.map((role) => ({ 'user.user_name': userName, 'role.name': role, inherited: 'false' })),
  );
}
