/**
 * `npx tsx bench/patch-cpu.ts [patches] [--app] [--no-body] [--cpu-prof]`: the local instance's CPU
 * per Table API PATCH of `short_description` (as the ITIL user, round-robin over 100 incidents, one
 * at a time, keep-alive), without the rest of the real-time path. The instance runs on this
 * process's main thread without its scheduler (queued jobs stay queued); the client runs in a worker
 * thread, so the main thread's CPU is the instance's. Prints, per PATCH, the main thread's CPU, the
 * client's wall time (min / median / p90), and the engine's counters. `--app` installs the app's real
 * build first (`dist/app`, built if stale); `--cpu-prof` writes a V8 profile of the main thread's
 * timed PATCHes (bench/.profiles/patch-cpu-*.cpuprofile).
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { startInstance } from '../src/instance';
import { buildAppIfStale, DIST_APP } from '../src/shared/build-app';
import { ACCOUNTS, basic } from './fixtures/accounts';
import { threadCpu } from './lib/thread-cpu';

const INCIDENTS = 100;
const PROFILE_DIR = path.join(__dirname, '.profiles');

/** The client: PATCHes one at a time over one keep-alive connection, answers the wall times (ms). */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function patch(sysId, body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request(workerData.url + '/api/now/table/incident/' + sysId, {
      method: 'PATCH', agent,
      headers: { authorization: workerData.auth, 'content-type': 'application/json', accept: 'application/json', 'content-length': data.length, ...(workerData.noBody ? { 'x-no-response-body': 'true' } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => res.statusCode === 200 ? resolve() : reject(new Error(res.statusCode + ' ' + Buffer.concat(chunks).toString().slice(0, 300))));
    });
    req.on('error', reject);
    req.end(data);
  });
}
parentPort.on('message', async ({ from, count }) => {
  const times = [];
  for (let i = from; i < from + count; i++) {
    const t0 = process.hrtime.bigint();
    await patch(workerData.sysIds[i % workerData.sysIds.length], { short_description: 'cpu ' + i });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  parentPort.postMessage(times);
});
`;

function mainThreadCpuUs(): number {
  const t = threadCpu().find((c) => c.tid === process.pid);
  return t ? t.user + t.system : process.cpuUsage().user + process.cpuUsage().system;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main(): Promise<void> {
  const patches = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2_000);
  const withApp = process.argv.includes('--app');
  const noBody = process.argv.includes('--no-body');
  const profile = process.argv.includes('--cpu-prof');
  if (withApp) await buildAppIfStale();
  const instance = await startInstance({ port: 0, scheduler: false, ...(withApp ? { app: DIST_APP } : {}) });
  let client: Worker | null = null;
  try {
    const engine = instance.engine;
    const session = engine.sessionForUser(ACCOUNTS.itil.user);
    if (!session) throw new Error('no ITIL user in the seed');
    const sysIds: string[] = [];
    for (let i = 0; i < INCIDENTS; i++) sysIds.push(engine.insert('incident', { short_description: `bench ${i}`, urgency: '2', impact: '3' }, { session }).sysId);
    const worker = new Worker(CLIENT, { eval: true, workerData: { url: instance.url, auth: basic(ACCOUNTS.itil), noBody, sysIds } });
    client = worker;
    const run = (from: number, count: number) =>
      new Promise<number[]>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage({ from, count });
      });
    await run(0, Math.min(500, patches)); // warm-up: JIT, statement caches
    const session2 = new inspector.Session();
    if (profile) {
      session2.connect();
      await new Promise<void>((r) => session2.post('Profiler.enable', () => session2.post('Profiler.setSamplingInterval', { interval: 100 }, () => session2.post('Profiler.start', () => r()))));
    }
    const stats0 = { ...engine.stats };
    const cpu0 = mainThreadCpuUs();
    const t0 = process.hrtime.bigint();
    const times = await run(1_000, patches);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpuUs = mainThreadCpuUs() - cpu0;
    if (profile) {
      fs.mkdirSync(PROFILE_DIR, { recursive: true });
      const file = path.join(PROFILE_DIR, `patch-cpu-${withApp ? 'app' : 'noapp'}-${process.pid}.cpuprofile`);
      await new Promise<void>((r) =>
        session2.post('Profiler.stop', (err, res) => {
          if (!err) fs.writeFileSync(file, JSON.stringify(res.profile));
          r();
        }),
      );
      process.stdout.write(`profile: ${file}\n`);
    }
    times.sort((a, b) => a - b);
    const counters = Object.entries(engine.stats)
      .filter(([k, v]) => typeof v === 'number' && v !== (stats0 as Record<string, unknown>)[k])
      .map(([k, v]) => `${k} ${(((v as number) - ((stats0 as Record<string, unknown>)[k] as number)) / patches).toFixed(2)}`);
    process.stdout.write(
      `${withApp ? 'app' : 'no app'}${noBody ? ', no response body' : ''}: ${patches} PATCHes, instance main thread CPU ${(cpuUs / patches).toFixed(0)} us/PATCH; ` +
        `wall min / median / p90 ${percentile(times, 0).toFixed(3)} / ${percentile(times, 0.5).toFixed(3)} / ${percentile(times, 0.9).toFixed(3)} ms; ${(wallMs / patches).toFixed(3)} ms each\n` +
        `per PATCH: ${counters.join(', ')}\n`,
    );
  } finally {
    await client?.terminate();
    await instance.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
