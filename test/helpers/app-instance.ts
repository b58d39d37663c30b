import { newSigningSecret } from './hmac';
import { DIST_APP } from './build';
import { startTestInstance, USERS, type TestInstance } from './instance';
import type { StartInstanceOptions } from '../../src/instance';

/**
 * A local instance with the app's real build (dist/app) installed, and the push configured the way
 * Connect does it: PUT /api/x_incident_io/v1/sync/config as the service account.
 */

export const APP_API = '/api/x_incident_io/v1/sync';

export async function startAppInstance(options: StartInstanceOptions = {}): Promise<TestInstance> {
  return startTestInstance({ app: DIST_APP, ...options });
}

export interface PushConfig {
  webhookUrl: string;
  secret: string;
}

/** Points the app at `webhookUrl` with a fresh secret, svc_incident_io as integration user, enabled. */
export async function configurePush(sn: TestInstance, webhookUrl: string, extra: Record<string, unknown> = {}): Promise<PushConfig> {
  const secret = newSigningSecret();
  const res = await sn.request('PUT', `${APP_API}/config`, {
    auth: USERS.svc,
    body: { webhook_url: webhookUrl, signing_secret: secret, integration_user: USERS.svc.user, enabled: true, ...extra },
  });
  if (res.status !== 200) throw new Error(`PUT /config failed: ${res.status} ${res.text}`);
  return { webhookUrl, secret };
}

/** Sets system properties as admin through the Table API (e.g. x_incident_io.retry_base_seconds). */
export async function setProperty(sn: TestInstance, name: string, value: string): Promise<void> {
  const found = await sn.list('sys_properties', { sysparm_query: `name=${name}`, sysparm_fields: 'sys_id' });
  const id = found.result[0]?.sys_id as string | undefined;
  const res = id
    ? await sn.request('PATCH', `/api/now/table/sys_properties/${id}`, { body: { value } })
    : await sn.request('POST', '/api/now/table/sys_properties', { body: { name, value } });
  if (res.status !== 200 && res.status !== 201) throw new Error(`setting ${name} failed: ${res.status} ${res.text}`);
}

/** The app's scheduled job, which retries failed pushes every minute. */
export const RETRY_JOB = 'Retry and purge incident.io outbox';

/**
 * Deactivates the app's every-minute retry job, so that it cannot retry at a minute boundary in the
 * middle of a test (tests run it with scheduler.runNow() instead, which ignores `active`).
 */
export async function holdRetryJob(sn: TestInstance): Promise<void> {
  const found = await sn.list('sysauto_script', { sysparm_query: `name=${RETRY_JOB}`, sysparm_fields: 'sys_id' });
  const id = found.result[0]?.sys_id as string | undefined;
  if (!id) throw new Error(`no scheduled job ${RETRY_JOB}`);
  const res = await sn.request('PATCH', `/api/now/table/sysauto_script/${id}`, { body: { active: false } });
  if (res.status !== 200) throw new Error(`deactivating ${RETRY_JOB} failed: ${res.status} ${res.text}`);
}
