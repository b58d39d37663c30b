import { execFile } from 'node:child_process';
import path from 'node:path';
import { APP_API } from '../../helpers/app-instance';
import { ROOT } from '../../helpers/build';
import { startTestInstance, USERS, type TestInstance } from '../../helpers/instance';

/**
 * The real Now SDK deploys the app into the local instance the way CI deploys to a real one:
 * SN_SDK_NODE_ENV=SN_SDK_CI_INSTALL, the instance URL and an OAuth bearer token, `now-sdk install`
 * from the repository root (dist/app built by the global setup).
 */

const SDK_BIN = path.join(ROOT, 'node_modules', '@servicenow', 'sdk', 'bin', 'index.js');

function nowSdkInstall(url: string, token: string, extra: string[] = []): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SN_SDK_NODE_ENV: 'SN_SDK_CI_INSTALL', SN_SDK_INSTANCE_URL: url, SN_SDK_SESSION_BEARER_TOKEN: token };
  return new Promise((resolve) => {
    execFile(process.execPath, [SDK_BIN, 'install', ...extra], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

let sn: TestInstance;

beforeAll(async () => {
  sn = await startTestInstance();
});

afterAll(async () => {
  await sn?.close();
});

describe('now-sdk install against the local instance', () => {
  it('installs the app with an admin token; the app’s API then answers', async () => {
    expect((await sn.request('GET', `${APP_API}/health`, { auth: USERS.svc })).status).toBe(400);
    const token = await sn.tokenFor(USERS.admin);
    const { code, output } = await nowSdkInstall(sn.url, token);
    expect(output).toContain('Installation completed');
    expect(code).toBe(0);

    const health = await sn.request('GET', `${APP_API}/health`, { auth: USERS.svc });
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ result: { app: { scope: 'x_incident_io', version: '1.1.0' } } });
    const history = await sn.list('sys_upgrade_history', { sysparm_query: 'to_version=x_incident_io', sysparm_fields: 'from_version,upgrade_finished' });
    expect(history.result).toEqual([{ from_version: '', upgrade_finished: expect.stringMatching(/^\d{4}-\d{2}-\d{2} /) }]);
    const tracker = await sn.list('sys_execution_tracker', { sysparm_fields: 'state,percent_complete' });
    expect(tracker.result).toEqual([{ state: '2', percent_complete: '100' }]);
  }, 60_000);

  it('--reinstall deletes the app (its records and data) through xmlhttp.do, then installs it again', async () => {
    const token = await sn.tokenFor(USERS.admin);
    expect((await sn.request('PUT', `${APP_API}/config`, { auth: USERS.svc, body: { webhook_url: 'https://hooks.example.com/acme' } })).status).toBe(200);
    await sn.request('POST', '/api/now/table/x_incident_io_outbound_event', {
      body: { event_id: 'e'.repeat(32), event_type: 'incident.created', incident_sys_id: 'x', sequence: 0, order_key: 'k', payload: '{}', state: 'dead' },
    });
    const { code, output } = await nowSdkInstall(sn.url, token, ['--reinstall']);
    expect(output).toContain('Successfully uninstalled application');
    expect(output).toContain('Installation completed');
    expect(code).toBe(0);
    // A deleted app loses its data and settings (an upgrade keeps them) and its role grants.
    expect((await sn.list('x_incident_io_outbound_event')).result).toEqual([]);
    expect((await sn.list('sys_properties', { sysparm_query: 'name=x_incident_io.webhook_url', sysparm_fields: 'value' })).result).toEqual([{ value: '' }]);
    expect((await sn.request('GET', `${APP_API}/health`, { auth: USERS.svc })).status).toBe(403);
    expect((await sn.request('GET', `${APP_API}/health`)).status).toBe(200);
    expect((await sn.list('sys_app', { sysparm_query: 'scope=x_incident_io' })).result).toHaveLength(1);
  }, 60_000);

  it('refuses a non-admin token with the SDK’s permission error', async () => {
    const token = await sn.tokenFor(USERS.itil);
    const { code, output } = await nowSdkInstall(sn.url, token);
    expect(code).not.toBe(0);
    expect(output).toContain('Insufficient permissions to install the app');
  }, 60_000);
});
