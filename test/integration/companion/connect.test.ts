import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ConnectFlags } from '../../../src/companion/commands/options';
import { runConnect } from '../../../src/companion/connect/run-connect';
import { openSqliteStore } from '../../../src/companion/store';
import { seedEdits, type Seed } from '../../../src/instance';
import { captureIo, FAST_CLIENT, tempDataDir } from '../../helpers/command-io';
import { closedPort, htmlServer, svcFlags, SVC, withAdminServiceAccount, withApiUserRole } from '../../helpers/connect-fixture';
import { OAUTH_CLIENT, startTestInstance, type TestInstance } from '../../helpers/instance';

/**
 * incident-sn connect against the local instance over real HTTP, its seed changed per test:
 * the app-less setup passes, and each broken setup gets its own message naming the guide's step.
 */

const ROOT = path.resolve(__dirname, '../../..');
const run = promisify(execFile);

let sn: TestInstance | undefined;
let data: ReturnType<typeof tempDataDir>;

beforeEach(() => {
  data = tempDataDir();
});
afterEach(async () => {
  await sn?.close();
  sn = undefined;
  data.remove();
});

async function instance(...edits: Array<(seed: Seed) => Seed>): Promise<TestInstance> {
  sn = await startTestInstance({ seed: edits });
  return sn;
}

async function connect(flags: Parameters<typeof runConnect>[0]) {
  const io = captureIo();
  const outcome = await runConnect(flags, io, { connectionOptions: FAST_CLIENT });
  return { ...outcome, io, byId: Object.fromEntries(outcome.results.checks.map((r) => [r.id, r])) };
}

async function storedNames(): Promise<string[]> {
  const store = await openSqliteStore({ file: data.db, env: {} });
  try {
    return (await store.listConnections()).map((c) => c.name);
  } finally {
    await store.close();
  }
}

describe('connect: a correct setup without the app (admin, polling)', () => {
  it('passes all six checks and stores a polling connection', async () => {
    const local = await instance(withAdminServiceAccount);
    const { exitCode, results, io } = await connect(svcFlags(local, data.db));
    expect(results.checks.map((r) => [r.id, r.ok])).toEqual([
      ['instance-reachable', true],
      ['oauth-token', true],
      ['service-account-roles', true],
      ['app-installed', true],
      ['task-access', true],
      ['push-configured', true],
    ]);
    expect(exitCode).toBe(0);
    expect(JSON.parse(io.out())).toEqual(results.checks);
    expect(results.checks[2]!.message).toBe(
      `The service account "${SVC.user}" holds admin, which passes every ACL (roles read from sys_user_has_role) (setup guide step 3)`,
    );
    expect(results.checks[3]!.message).toContain('The incident.io app is not installed');
    expect(results.checks[3]!.message).toContain("incident.io will poll the instance, which the service account's admin role allows");
    expect(results.checks[4]!.message).toContain('verified by role: admin passes every ACL; read also verified by reading one');
    expect(results.saved).toMatchObject({ mode: 'polling', webhookUrl: null, created: true });

    const store = await openSqliteStore({ file: data.db, env: {} });
    const stored = (await store.getConnectionByInstance(local.url))!;
    await store.close();
    expect(stored).toMatchObject({ mode: 'polling', username: SVC.user, clientId: OAUTH_CLIENT.id, signingSecret: null });
    expect(stored.password.reveal()).toBe(SVC.password);
  });

  it('updates the stored connection when run again, and refuses another name for the same instance up front', async () => {
    const local = await instance(withAdminServiceAccount);
    expect((await connect(svcFlags(local, data.db, { name: 'local' }))).exitCode).toBe(0);
    const again = await connect(svcFlags(local, data.db));
    expect(again.exitCode).toBe(0);
    expect(again.results.saved).toMatchObject({ name: 'local', created: false });

    const renamed = await connect(svcFlags(local, data.db, { name: 'other' }));
    expect(renamed.exitCode).toBe(2);
    expect(renamed.results.checks).toEqual([]);
    expect(JSON.parse(renamed.io.out())).toEqual({
      error: {
        code: 'connection_conflict',
        message: `${local.url} is already connected as "local" (one connection per instance): use --name local, or leave --name out, to update it.`,
      },
    });
    expect(await storedNames()).toEqual(['local']);
  });

  it('prints a line per check and a summary for people', async () => {
    const local = await instance(withAdminServiceAccount);
    const { io } = await connect(svcFlags(local, data.db, { json: false, name: 'local' }));
    const lines = io.out().trim().split('\n');
    expect(lines[0]).toBe(`Checking ${local.url} for connection "local"…`);
    expect(lines.slice(1, 7).every((line) => line.startsWith('✔ '))).toBe(true);
    expect(lines[2]).toBe(`✔ OAuth token obtained for "${SVC.user}" with client id "${OAUTH_CLIENT.id}" (setup guide steps 2 and 3)`);
    expect(lines.at(-1)).toMatch(/^✔ 6 of 6 checks passed\. Connection "local" saved in .*companion\.db; mode polling/);
  });
});

describe('connect: each broken setup gets its own message', () => {
  it('a host where nothing listens', async () => {
    const port = await closedPort();
    const { exitCode, results } = await connect(svcFlags({ url: `http://127.0.0.1:${port}` }, data.db));
    expect(exitCode).toBe(1);
    expect(results.checks).toHaveLength(1);
    expect(results.checks[0]).toMatchObject({ id: 'instance-reachable', ok: false, step: 'step 5' });
    expect(results.checks[0]!.message).toContain(`http://127.0.0.1:${port} cannot be reached`);
    expect(results.checks[0]!.message).toContain('connection refused');
    expect(results.notRun).toHaveLength(5);
    expect(fs.existsSync(data.db)).toBe(true);
    expect(await storedNames()).toEqual([]);
  });

  it('a host that is not ServiceNow', async () => {
    const web = await htmlServer();
    try {
      const { exitCode, results } = await connect(svcFlags(web, data.db));
      expect(exitCode).toBe(1);
      expect(results.checks).toHaveLength(1);
      expect(results.checks[0]!.message).toContain(`${web.url} is not a ServiceNow instance`);
      expect(results.checks[0]!.message).toContain('an HTML page, not like a ServiceNow instance');
    } finally {
      await web.close();
    }
  });

  it.each<[string, Partial<ConnectFlags>]>([
    ['an unknown client id', { clientId: 'no-such-client' }],
    ['a wrong client secret', { clientSecret: 'wrong-secret' }],
  ])('%s: the account signs in, so the OAuth application is at fault (step 2)', async (_what, wrong) => {
    const local = await instance();
    const { exitCode, results } = await connect(svcFlags(local, data.db, wrong));
    expect(exitCode).toBe(1);
    const oauth = results.checks[1]!;
    expect(oauth).toMatchObject({ id: 'oauth-token', ok: false, step: 'step 2' });
    expect(oauth.message).toContain(`ServiceNow refused the OAuth token request, but accepted the service account "${SVC.user}"`);
    expect(oauth.message).toContain(`the client id "${wrong.clientId ?? OAUTH_CLIENT.id}" is unknown or its application is inactive, or the client secret is wrong`);
    expect(oauth.message).toContain('System OAuth > Application Registry');
    expect(results.notRun.map((n) => n.id)).toEqual(['service-account-roles', 'app-installed', 'task-access', 'push-configured']);
  });

  it.each([
    ['a wrong password', [] as Array<(s: Seed) => Seed>, { password: 'not-the-password' }],
    ['a locked-out account', [(s: Seed) => seedEdits.lockUser(s, SVC.user)], {}],
    ['an inactive account', [(s: Seed) => seedEdits.deactivateUser(s, SVC.user)], {}],
  ])('%s: the account itself is refused (step 3)', async (_what, edits, wrong) => {
    const local = await instance(...edits);
    const { exitCode, results } = await connect(svcFlags(local, data.db, wrong));
    expect(exitCode).toBe(1);
    const oauth = results.checks[1]!;
    expect(oauth).toMatchObject({ id: 'oauth-token', ok: false, step: 'step 3' });
    expect(oauth.message).toContain(`ServiceNow refused the service account "${SVC.user}"`);
    expect(oauth.message).toContain('its password is wrong, or the account is locked out or inactive');
    expect(oauth.message).toContain('clear Locked out');
  });

  it.each([
    ['x_incident_io.api_user', ['x_incident_io.api_user'], 'lacks role x_incident_io.api_user'],
    ['sn_cmdb_user', ['sn_cmdb_user'], 'lacks role sn_cmdb_user'],
    ['incident_manager', ['incident_manager'], 'lacks role incident_manager'],
    // cmdb_read is also inherited through sn_cmdb_user and incident_manager (itil).
    ['cmdb_read', ['cmdb_read', 'sn_cmdb_user', 'incident_manager'], 'lacks roles cmdb_read, sn_cmdb_user and incident_manager'],
  ])('a service account without %s is told exactly which roles to grant (step 3)', async (_role, revoked, expected) => {
    const local = await instance(withApiUserRole, ...revoked.map((role) => (s: Seed) => seedEdits.revokeRole(s, SVC.user, role)));
    const { exitCode, byId } = await connect(svcFlags(local, data.db));
    expect(exitCode).toBe(1);
    const roles = byId['service-account-roles']!;
    expect(roles).toMatchObject({ ok: false, step: 'step 3' });
    expect(roles.message).toContain(`The service account "${SVC.user}" ${expected} (roles read from sys_user_has_role) — fix: grant`);
    expect(roles.message.endsWith('(setup guide step 3)')).toBe(true);
  });

  it('a role held only through another role counts', async () => {
    const local = await instance(withApiUserRole, withoutDirectCmdbRead);
    const { byId } = await connect(svcFlags(local, data.db));
    expect(byId['service-account-roles']).toMatchObject({ ok: true });
    expect(byId['service-account-roles']!.message).toContain('holds x_incident_io.api_user, cmdb_read, sn_cmdb_user and incident_manager');
  });

  it('without the app and without admin, polling is impossible (steps 1 and 3)', async () => {
    const local = await instance(withApiUserRole);
    const { exitCode, byId, results } = await connect(svcFlags(local, data.db));
    expect(exitCode).toBe(1);
    expect(byId['service-account-roles']!.ok).toBe(true);
    const app = byId['app-installed']!;
    expect(app).toMatchObject({ ok: false, step: 'steps 1 and 3' });
    expect(app.message).toContain(
      'The incident.io app is not installed (GET /api/x_incident_io/v1/sync/health answered 400 "Requested URI does not represent any resource")',
    );
    expect(app.message).toContain(`which requires the admin role, and "${SVC.user}" does not hold it — fix: install the incident.io app`);
    // What cannot be verified is not a pass.
    const task = byId['task-access']!;
    expect(task.ok).toBe(false);
    expect(task.message).toContain('can read task records (verified by reading one); create and write are unverified');
    expect(results.notRun.map((n) => n.id)).toEqual(['push-configured']);
    expect(await storedNames()).toEqual([]);
  });

  it('a task read ACL that is missing shows up as a refused read (step 4)', async () => {
    const local = await instance(withApiUserRole, (s) => seedEdits.removeAcl(s, 'task', 'read'));
    const { byId } = await connect(svcFlags(local, data.db));
    const task = byId['task-access']!;
    expect(task).toMatchObject({ ok: false, step: 'step 4' });
    expect(task.message).toContain(`"${SVC.user}" cannot read task records (GET /api/now/table/task answered 403: Insufficient rights to query records: No permission to read table 'task')`);
    expect(task.message).toContain('add the task ACLs of step 4');
  });

  it('a rate limit rule with a tiny limit stops the checks and says what to do', async () => {
    const local = await instance(withAdminServiceAccount, (s) =>
      seedEdits.addRateLimit(s, { name: 'incident.io tiny limit', type: 'user', user: SVC.user, rate_limit: 0 }),
    );
    const { exitCode, results } = await connect(svcFlags(local, data.db));
    expect(exitCode).toBe(1);
    const last = results.checks.at(-1)!;
    expect(last).toMatchObject({ ok: false, step: null });
    expect(last.message).toMatch(/^Rate limited while /);
    expect(last.message).toContain("Rate limit rule 'incident.io tiny limit' allows 0 requests per hour");
    expect(last.message).toContain('sys_rate_limit_rules');
    expect(last.message).toMatch(/The limit resets at \d{4}-\d\d-\d\dT\d\d:00:00Z\./);
    expect(results.notRun.length).toBeGreaterThan(0);
    expect(results.checks.slice(0, -1).every((r) => r.ok)).toBe(true);
  });
});

/** cmdb_read no longer granted directly: the service account still holds it through sn_cmdb_user and incident_manager. */
function withoutDirectCmdbRead(seed: Seed): Seed {
  return seedEdits.revokeRole(seed, SVC.user, 'cmdb_read');
}

describe('the incident-sn binary', () => {
  const cli = path.join(ROOT, 'bin/incident-sn.js');

  function spawnCli(args: string[], env: Record<string, string>, cwd: string) {
    return run(process.execPath, [cli, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: data.dir, ...env }, timeout: 60_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
    );
  }

  it('connects from environment variables, stores in .data/ of the working directory, prints only JSON, exits 0', async () => {
    const local = await instance(withAdminServiceAccount);
    const env = {
      SN_INSTANCE: local.url,
      SN_CLIENT_ID: OAUTH_CLIENT.id,
      SN_CLIENT_SECRET: OAUTH_CLIENT.secret,
      SN_USERNAME: SVC.user,
      SN_PASSWORD: SVC.password,
      INCIDENT_SN_CONNECTION: 'from-env',
    };
    const result = await spawnCli(['connect', '--json'], env, data.dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const checks = JSON.parse(result.stdout) as Array<{ id: string; ok: boolean; message: string; step: string | null }>;
    expect(checks.map((c) => c.ok)).toEqual([true, true, true, true, true, true]);
    expect(Object.keys(checks[0]!).sort()).toEqual(['id', 'message', 'ok', 'step']);
    expect(result.stdout).not.toContain(SVC.password);
    expect(result.stdout).not.toContain(OAUTH_CLIENT.secret);
    expect(fs.statSync(path.join(data.dir, '.data/secret.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(data.dir, '.data/companion.db')).mode & 0o777).toBe(0o600);

    const doctor = await spawnCli(['doctor'], {}, data.dir);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toContain('Checking connection "from-env"');
    expect(doctor.stdout).toContain('6 of 6 checks passed: connection "from-env" is healthy.');
  });

  it('exits 1 when a check fails and 2 when a value is missing, naming its variable', async () => {
    const local = await instance();
    const base = { SN_INSTANCE: local.url, SN_CLIENT_ID: OAUTH_CLIENT.id, SN_CLIENT_SECRET: OAUTH_CLIENT.secret, SN_USERNAME: SVC.user };
    const failed = await spawnCli(['connect', '--json', '--db', data.db], { ...base, SN_PASSWORD: 'wrong' }, data.dir);
    expect(failed.code).toBe(1);
    expect((JSON.parse(failed.stdout) as Array<{ step: string }>)[1]!.step).toBe('step 3');

    const missing = await spawnCli(['connect', '--json', '--db', data.db], base, data.dir);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({
      error: {
        code: 'missing_option',
        message:
          "Missing the service account's password: give --password or set SN_PASSWORD. (Run on a terminal to be asked for the secrets without echo.)",
      },
    });
  });
});
