/**
 * `node -r tsx/cjs bench/crash-resume.ts`: how soon work in flight resumes after `kill -9` of the
 * real binary and a restart (target: within 5 s). Runs `incident-sn start` (the local instance with
 * the app, and the companion, in one process) on a fresh data folder, declares incidents, streams
 * field changes at them, kills the process with SIGKILL mid-stream, starts it again on the same data,
 * and reports the seconds from the restarted companion's "Ready." until every incident has no write
 * left to make (then checks that ServiceNow shows each incident's last name).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const INCIDENTS = 20;
const STREAM_MS = 3_000;

interface Started {
  child: ChildProcess;
  companion: string;
  instance: string;
  spawnedAt: number;
  readyAt: number;
}

function start(dataDir: string): Promise<Started> {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, ['bin/incident-sn.js', 'start', '--data-dir', dataDir, '--instance-port', '0', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 120 s:\n${out}`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const companion = /Companion \(the incident\.io side\): (http:\/\/\S+)/.exec(out)?.[1];
      const instance = /Local ServiceNow instance \(an emulator\): (http:\/\/\S+)/.exec(out)?.[1];
      if (companion && instance && out.includes('Ready.')) {
        clearTimeout(timer);
        resolve({ child, companion, instance, spawnedAt, readyAt: Date.now() });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`exited (${code}) before ready:\n${out}`)));
  });
}

async function api<T>(base: string, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface View {
  id: string;
  name: string;
  servicenow: { sys_id: string } | null;
  sync: { pending_writes: number };
}

async function snName(instance: string, sysId: string): Promise<string> {
  const res = await fetch(`${instance}/api/now/table/incident/${sysId}?sysparm_fields=short_description`, {
    headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}`, accept: 'application/json' },
  });
  return ((await res.json()) as { result: { short_description: string } }).result.short_description;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-crash-'));
  const first = await start(dataDir);
  const ids: string[] = [];
  for (let i = 0; i < INCIDENTS; i++) ids.push((await api<View>(first.companion, 'POST', '/api/incidents', { name: `Crash ${i}`, severity: 'minor' })).id);

  let changes = 0;
  const streamUntil = Date.now() + STREAM_MS;
  const last = new Map<string, string>();
  await Promise.all(
    ids.map(async (id, i) => {
      for (let n = 0; Date.now() < streamUntil; n++) {
        const name = `Crash ${i} v${n}`;
        await api(first.companion, 'PATCH', `/api/incidents/${id}`, { name });
        last.set(id, name);
        changes++;
      }
    }),
  );
  const pendingAtKill = (await Promise.all(ids.map((id) => api<View>(first.companion, 'GET', `/api/incidents/${id}`)))).reduce((n, v) => n + v.sync.pending_writes, 0);
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));

  const second = await start(dataDir);
  let settledAt = 0;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    const views = await Promise.all(ids.map((id) => api<View>(second.companion, 'GET', `/api/incidents/${id}`)));
    if (process.env.BENCH_TRACE) console.log(((Date.now() - second.readyAt) / 1000).toFixed(2), views.reduce((n, v) => n + v.sync.pending_writes, 0));
    if (views.every((v) => v.servicenow && v.sync.pending_writes === 0)) {
      const doneAt = Date.now();
      const names = await Promise.all(views.map((v) => snName(second.instance, v.servicenow!.sys_id)));
      if (process.env.BENCH_TRACE) names.forEach((name, i) => name !== last.get(ids[i]!) && console.log('  differs', name, '| last', last.get(ids[i]!), '| incident', views[i]!.name));
      if (names.every((name, i) => name === last.get(ids[i]!))) {
        settledAt = doneAt;
        break;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(`${changes} field changes on ${INCIDENTS} incidents in ${STREAM_MS / 1000} s; kill -9 with ${pendingAtKill} writes not made yet`);
  console.log(
    settledAt
      ? `every write made and ServiceNow agreeing: ${((settledAt - second.readyAt) / 1000).toFixed(2)} s after the restarted process said Ready ` +
          `(${((settledAt - second.spawnedAt) / 1000).toFixed(2)} s after it was started, instance start and catalog import included; target ≤ 5 s)`
      : 'NOT settled within 120 s',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
