import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ROOT } from '../../helpers/build';
import { createTestDatabase, TEST_SECRET_KEY } from '../../helpers/store-backends';
import { waitFor } from '../../helpers/wait-for';

// `npm start` as a user runs it: the real binary, in its own process, on free ports, in a temporary
// data folder. It must come up connected, sync both ways, stop cleanly on Ctrl+C (SIGINT), keep its
// data for the next run, and start over with --reset.

jest.setTimeout(120_000);

/** Every process started here, so a failing test never leaves one running (it would hold jest open). */
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

interface Started {
  child: ChildProcess;
  output: () => string;
  api: string;
  sn: string;
}

async function start(dataDir: string, ...extra: string[]): Promise<Started> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/incident-sn.js'), 'start', '--data-dir', dataDir, '--instance-port', '0', '--port', '0', ...extra], {
    cwd: ROOT,
    // PostgreSQL takes its key from the environment only (every replica gets the same one).
    env: { ...process.env, INCIDENT_SN_API_KEY: '', INCIDENT_SN_SECRET_KEY: extra.includes('--database-url') ? TEST_SECRET_KEY : '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = await waitFor(() => /Ready\. incident\.io side: (\S+)\/api\/incidents\s+ServiceNow \(emulated\): (\S+)/.exec(output), {
    timeoutMs: 60_000,
    message: 'npm start to be ready',
  }).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}; its output:\n${output}`);
  });
  return { child, output: () => output, api: ready[1]!, sn: ready[2]! };
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGINT');
  return exited;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses of two APIs, read field by field
async function json(url: string, init: RequestInit = {}): Promise<any> {
  const response = await fetch(url, { ...init, headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
  expect(response.ok).toBe(true);
  return response.json();
}

/** Signs in to the companion's web pages as a browser would (the form's CSRF token and cookie); the answer's status. */
async function webSignIn(api: string, email: string, password: string): Promise<number> {
  const form = await fetch(`${api}/login`);
  const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await fetch(`${api}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email, password }).toString(),
  });
  return res.status;
}

describe('npm start (incident-sn start)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-start-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('runs everything, syncs both ways, stops cleanly, keeps its data, and starts over with --reset', async () => {
    const first = await start(dataDir);
    expect(first.output()).toContain('✔ 6 of 6 checks passed. Connection "local" saved');
    expect(first.output()).toMatch(/Catalog imported for "local"/);
    // The first screen is for people: no JSON log lines.
    expect(first.output()).not.toMatch(/^\{"level"/m);
    // The web pages' demo user, with a password shown once, which signs in.
    const demo = /sign in as (demo@example\.com) with password (\S+)/.exec(first.output());
    expect(demo).not.toBeNull();
    expect(await webSignIn(first.api, demo![1]!, demo![2]!)).toBe(303);
    expect(await webSignIn(first.api, demo![1]!, 'not-the-password')).toBe(401);

    // 1. Declare in incident.io: a ServiceNow incident is created.
    const declared = await json(`${first.api}/api/incidents`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Checkout is down', summary: 'Payments fail with 502', severity: 'critical', status: 'investigating' }),
    });
    const linked = await waitFor(async () => (await json(`${first.api}/api/incidents/${declared.id}`)).servicenow, {
      message: 'the ServiceNow incident to be created',
    });
    const auth = { Authorization: `Basic ${Buffer.from('itil.user:itil-password').toString('base64')}` };
    const record = (await json(`${first.sn}/api/now/table/incident/${linked.sys_id}?sysparm_fields=short_description,priority`, { headers: auth })).result;
    expect(record).toEqual({ short_description: 'Checkout is down', priority: '1' });

    // 2. Change it in ServiceNow as the ITIL user: 3. it arrives in incident.io.
    await json(`${first.sn}/api/now/table/incident/${linked.sys_id}`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ work_notes: 'Rolled back the deploy' }),
    });
    await waitFor(async () => (await json(`${first.api}/api/incidents/${declared.id}`)).updates.some((u: { message: string }) => u.message === 'Rolled back the deploy'), {
      message: 'the work note to arrive',
    });

    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain('Stopped. Data kept in');

    // Data persists between runs; on new ports the connection moves with the instance and syncs on.
    const second = await start(dataDir);
    expect(second.output()).toContain('connection "local" moved there');
    expect(second.output()).toContain('sign in as demo@example.com (its password was shown on the first run');
    expect(second.output()).not.toContain(demo![2]!);
    const listed = await json(`${second.api}/api/incidents`);
    expect(listed.incidents.map((i: { id: string }) => i.id)).toEqual([declared.id]);
    await json(`${second.sn}/api/now/table/incident/${linked.sys_id}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ comments: 'Back after restart' }) });
    await waitFor(async () => (await json(`${second.api}/api/incidents/${declared.id}`)).updates.some((u: { message: string }) => u.message === 'Back after restart'), {
      message: 'a change made after the restart to arrive',
    });
    await json(`${second.api}/api/incidents/${declared.id}`, { method: 'PATCH', body: JSON.stringify({ status: 'resolved' }) });
    await waitFor(async () => (await json(`${second.sn}/api/now/table/incident/${linked.sys_id}?sysparm_fields=state`, { headers: auth })).result.state === '6', {
      message: 'the resolution to reach ServiceNow after the restart',
    });
    expect(await stop(second)).toBe(0);

    // --reset starts over.
    const third = await start(dataDir, '--reset', '--yes');
    expect(third.output()).toMatch(/Reset: removed .*instance\.db.*companion\.db/);
    expect((await json(`${third.api}/api/incidents`)).incidents).toEqual([]);
    expect(await stop(third)).toBe(0);
  });

  it('with --database-url keeps the companion\'s data in PostgreSQL, not in the data folder', async () => {
    const database = await createTestDatabase();
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-start-pg-'));
    try {
      const started = await start(folder, '--database-url', database.url);
      expect(started.output()).toContain('✔ 6 of 6 checks passed. Connection "local" saved');
      expect(started.output()).toMatch(/Catalog imported for "local"/);
      expect(await stop(started)).toBe(0);
      expect(fs.existsSync(path.join(folder, 'companion.db'))).toBe(false);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        expect((await client.query('SELECT name FROM connections')).rows).toEqual([{ name: 'local' }]);
        expect(Number((await client.query('SELECT count(*) AS n FROM catalog_users')).rows[0].n)).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
      await database.drop();
    }
  });

  it('says which option to use when a port is taken', async () => {
    const first = await start(dataDir);
    const port = new URL(first.api).port;
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/incident-sn.js'), 'start', '--data-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-start-')), '--instance-port', '0', '--port', port], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain(`Port ${port} is in use, so the companion cannot listen: stop what uses it, or pass --port <port>`);
    expect(await stop(first)).toBe(0);
  });
});
