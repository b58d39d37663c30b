import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAppBuildDir } from '../../../src/instance/app/app-build';
import { APP_API, startAppInstance } from '../../helpers/app-instance';
import { DIST_APP, ROOT } from '../../helpers/build';
import { USERS } from '../../helpers/instance';
import { waitFor } from '../../helpers/wait-for';

/** startInstance({ app: 'dist/app' }) and `incident-sn instance --app dist/app` over real HTTP. */

const OUTBOX = 'x_incident_io_outbound_event';

describe('an instance started with the app', () => {
  it('serves the app’s table to admin and grants the service account its role', async () => {
    const sn = await startAppInstance();
    try {
      expect(sn.appInstall).toMatchObject({ scope: 'x_incident_io', version: '1.1.0', previousVersion: null, removed: 0 });
      const outbox = await sn.list(OUTBOX, { sysparm_limit: 5 });
      expect(outbox.status).toBe(200);
      expect(outbox.result).toEqual([]);
      expect(outbox.headers.get('x-total-count')).toBe('0');
      // The app's ACLs: the outbox is the app's, not itil's.
      expect((await sn.list(OUTBOX, {}, USERS.itil)).status).toBe(403);
      expect((await sn.list(OUTBOX, {}, USERS.svc)).status).toBe(200);

      const roles = await sn.list('sys_user_has_role', { sysparm_query: 'user.user_name=svc_incident_io^ORDERBYrole.name', sysparm_fields: 'role.name,inherited' }, USERS.svc);
      expect(roles.result).toContainEqual({ 'role.name': 'x_incident_io.api_user', inherited: 'false' });
      const dictionary = await sn.list('sys_dictionary', { sysparm_query: `name=${OUTBOX}^element=state`, sysparm_fields: 'internal_type,default_value,mandatory' });
      expect(dictionary.result).toEqual([{ internal_type: 'choice', default_value: 'queued', mandatory: 'true' }]);
      const labels = await sn.list('sys_choice', { sysparm_query: `name=${OUTBOX}^element=state^ORDERBYsequence`, sysparm_fields: 'value' });
      expect(labels.result.map((c) => c.value)).toEqual(['queued', 'sending', 'delivered', 'failed', 'dead']);
      expect((await sn.request('GET', `${APP_API}/health`, { auth: USERS.svc })).status).toBe(200);
    } finally {
      await sn.close();
    }
  });

  it('keeps one copy of every record across restarts with the app option (same sys_ids)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'instance-app-'));
    const dbPath = path.join(dir, 'instance.db');
    const build = readAppBuildDir(DIST_APP);
    try {
      const first = await startAppInstance({ dbPath, scheduler: false });
      const before = (await first.list('sys_script', { sysparm_query: 'sys_scope=f70064a6e1a0416180ffb90a413981bf', sysparm_fields: 'sys_id' })).result;
      await first.close();
      const second = await startAppInstance({ dbPath, scheduler: false });
      try {
        expect(second.appInstall).toMatchObject({ inserted: 0, updated: 0, removed: 0, previousVersion: '1.1.0' });
        const after = (await second.list('sys_script', { sysparm_query: 'sys_scope=f70064a6e1a0416180ffb90a413981bf', sysparm_fields: 'sys_id' })).result;
        expect(after).toEqual(before);
        expect(after.map((r) => r.sys_id).sort()).toEqual(build.recordsOf('sys_script').map((r) => r.sysId).sort());
        expect((await second.list('sys_app', { sysparm_query: 'scope=x_incident_io' })).result).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('incident-sn instance --app', () => {
  it('installs the build on start and serves the app’s API', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'incident-sn.js'), 'instance', '--port', '0', '--db', ':memory:', '--app', DIST_APP, '--log-level', 'warn'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const url = await waitFor(() => /Local ServiceNow instance: (http:\/\/\S+)/.exec(output)?.[1], { timeoutMs: 20_000, message: 'the instance to start' });
      expect(output).toMatch(/App: x_incident_io 1\.1\.0 installed/);
      const res = await fetch(`${url}${APP_API}/health`, { headers: { authorization: `Basic ${Buffer.from('svc_incident_io:svc-local-password').toString('base64')}` } });
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 30_000);
});
