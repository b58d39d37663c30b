import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIST_APP, ROOT } from '../../helpers/build';
import { startTestInstance, USERS, type TestInstance } from '../../helpers/instance';

/**
 * The Now SDK's commands other than install, run for real against the local instance from a scratch
 * project (this repository's now.config.json): `auth --add --type basic` (the /angular.do login),
 * `download` and `dependencies` in the SDK's CI basic mode, which logs in the same way and then sends
 * the session cookie and X-UserToken on every call. (`transform` and `init --from` read the same
 * download endpoint; transform spends minutes of CPU generating Fluent on this machine, so it is not
 * run here: docs/local-instance.md records the manual run.)
 */

const SDK_BIN = path.join(ROOT, 'node_modules', '@servicenow', 'sdk', 'bin', 'index.js');

interface Run {
  code: number;
  output: string;
}

function nowSdk(cwd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [SDK_BIN, ...args], { cwd, env: { ...process.env, HOME: cwd, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(input ?? '');
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

let sn: TestInstance;
let project: string;
let scratch: string;

beforeAll(async () => {
  sn = await startTestInstance({ app: DIST_APP });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'now-sdk-'));
  project = path.join(scratch, 'project');
  mkdirSync(project);
  copyFileSync(path.join(ROOT, 'now.config.json'), path.join(project, 'now.config.json'));
  copyFileSync(path.join(ROOT, 'package.json'), path.join(project, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  mkdirSync(path.join(project, 'fluent'));
  mkdirSync(path.join(project, 'src', 'server'), { recursive: true });
  copyFileSync(path.join(ROOT, 'src', 'server', 'tsconfig.json'), path.join(project, 'src', 'server', 'tsconfig.json'));
}, 60_000);

afterAll(async () => {
  await sn?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const ciBasic = (): NodeJS.ProcessEnv => ({ SN_SDK_NODE_ENV: 'SN_SDK_CI_INSTALL', SN_SDK_INSTANCE_URL: sn.url, SN_SDK_USER: USERS.admin.user, SN_SDK_USER_PWD: USERS.admin.password });

describe('Now SDK commands against the local instance', () => {
  it('auth --add --type basic logs in through /angular.do (a wrong password is refused with the platform message)', async () => {
    const ok = await nowSdk(project, ['auth', '--add', sn.url, '--type', 'basic', '--alias', 'local', '--username', 'admin', '--password-stdin'], {}, 'admin\n');
    // Storing the credential afterwards needs an OS keyring, which this machine may lack; the login is what the instance answers.
    expect(ok.output).toContain(`Successfully authenticated to instance ${sn.url}`);
    const wrong = await nowSdk(project, ['auth', '--add', sn.url, '--type', 'basic', '--alias', 'bad', '--username', 'admin', '--password-stdin'], {}, 'wrong\n');
    expect(wrong.output).toContain('User name or password invalid');
    expect(wrong.output).not.toContain('Successfully authenticated');
  }, 180_000);

  it('download unpacks the installed app: every record of the build comes back as an update file', async () => {
    // Outside the project: XML files inside it would be taken as the project's own metadata by later commands.
    const target = path.join(scratch, 'downloaded');
    const run = await nowSdk(project, ['download', target], ciBasic());
    expect(run.output).toContain('Application downloaded and unpacked successfully');
    expect(run.code).toBe(0);
    const downloaded = new Set(filesUnder(target).map((f) => path.basename(f)));
    const built = filesUnder(path.join(DIST_APP, 'update')).map((f) => path.basename(f));
    expect(built.length).toBeGreaterThan(50);
    expect(built.filter((name) => !downloaded.has(name))).toEqual([]);
    const api = filesUnder(target).find((f) => path.basename(f).startsWith('sys_ws_definition_'));
    expect(api).toBeDefined();
    const script = readFileSync(api ?? '', 'utf8');
    expect(script).toMatch(/<record_update table="sys_ws_definition">/);
    expect(script).toMatch(/<sys_scope display_value="incident.io">f70064a6e1a0416180ffb90a413981bf<\/sys_scope>/);
  }, 180_000);

  it('dependencies writes Glide type definitions generated from the runtime', async () => {
    const run = await nowSdk(project, ['dependencies'], ciBasic());
    expect(run.output).toContain('Scripting type definitions generated successfully');
    const types = readFileSync(path.join(project, '@types', 'servicenow', 'glide.server.d.ts'), 'utf8');
    expect(types).toMatch(/declare class GlideRecord \{/);
    expect(types).toMatch(/\baddQuery\(\.\.\.args: any\[\]\): any;/);
    expect(types).toMatch(/declare namespace sn_ws \{/);
  }, 180_000);
});

describe('UI sessions', () => {
  it('a session cookie authenticates REST calls only together with its X-UserToken', async () => {
    const login = await fetch(`${sn.url}/angular.do?sysparm_type=view_form.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ sysparm_type: 'login', user_name: USERS.itil.user, user_password: USERS.itil.password }).toString(),
    });
    expect(await login.json()).toMatchObject({ status: 'success' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    expect(cookie).toMatch(/^JSESSIONID=[0-9A-F]{32}$/);
    const user = await fetch(`${sn.url}/angular.do?sysparm_type=get_user`, { method: 'POST', headers: { cookie } });
    expect(user.status).toBe(401);
    const token = user.headers.get('x-usertoken-response') ?? '';
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const withToken = await fetch(`${sn.url}/api/now/table/incident?sysparm_limit=1`, { headers: { cookie, 'x-usertoken': token } });
    expect(withToken.status).toBe(200);
    const cookieOnly = await fetch(`${sn.url}/api/now/table/incident?sysparm_limit=1`, { headers: { cookie } });
    expect(cookieOnly.status).toBe(401);
    const wrongToken = await fetch(`${sn.url}/api/now/table/incident?sysparm_limit=1`, { headers: { cookie, 'x-usertoken': 'f'.repeat(64) } });
    expect(wrongToken.status).toBe(401);
    const noSession = await fetch(`${sn.url}/angular.do?sysparm_type=get_user`, { method: 'POST' });
    expect(noSession.headers.get('x-usertoken-response')).toBeNull();
  });

  it('download is for admins, and names an unknown application', async () => {
    expect((await sn.request('GET', '/api/fluent/download/f70064a6e1a0416180ffb90a413981bf', { auth: USERS.itil })).status).toBe(403);
    const unknown = await sn.request('GET', `/api/fluent/download/${'0'.repeat(32)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ result: `No application with sys_id ${'0'.repeat(32)} on this instance` });
  });
});
