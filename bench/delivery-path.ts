/**
 * `npx tsx bench/delivery-path.ts [changes] [--trace]`: the instance's side of the real-time path in
 * one process, without the companion: the local instance with the app's real build, pushing to a
 * bare node:http receiver (200 at once) on this thread. Each change is a Table API PATCH of
 * `short_description` (one at a time, round-robin over the incidents), timed until the receiver has
 * the push. Prints the PATCH's and the push's latency (min / median / p90), and the CPU per change of
 * each thread of the process (the scheduler workers and their outbound HTTP helpers do the delivery;
 * the main thread serves the PATCH and the receiver). `--trace` prints the timeline of the instance's
 * trace points (src/shared/latency-trace.ts; the receiver marks `c.push.received`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startInstance } from '../src/instance';
import { DIST_APP, buildAppIfStale } from '../src/shared/build-app';
import { LATENCY_TRACE_ENV, tracePoint } from '../src/shared/latency-trace';
import { ACCOUNTS, basic } from './fixtures/accounts';
import { percentile } from './lib/results';
import { threadCpu } from './lib/thread-cpu';
import { traceReport } from './trace-report';

const INCIDENTS = 20;
const WARM_UP = 30;
/** Between a push's arrival and the next PATCH. */
const GAP_MS = 5;

function threadTimes(): Map<string, number> {
  return new Map(threadCpu().map((t) => [t.tid === process.pid ? 'main' : `${t.name}/${t.tid}`, t.user + t.system]));
}

async function main(): Promise<void> {
  const changes = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 200);
  // The trace file is read when latency-trace.ts loads: with --trace, this runs again with it set.
  if (process.argv.includes('--trace') && !process.env[LATENCY_TRACE_ENV]) {
    const file = path.join(os.tmpdir(), `incident-sn-delivery-trace-${process.pid}.txt`);
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, [LATENCY_TRACE_ENV]: file } });
    process.exit(child.status ?? 1);
  }
  const traceFile = process.env[LATENCY_TRACE_ENV] || null;
  await buildAppIfStale();

  let arrived: ((body: string) => void) | null = null;
  let pushes = 0;
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      tracePoint('c.push.received');
      pushes++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      tracePoint('c.applied');
      arrived?.(Buffer.concat(chunks).toString('utf8'));
    });
  });
  // As the companion's server: an idle keep-alive connection is not closed under the sender.
  receiver.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/servicenow/local`;

  // `--db=FILE`: the instance's database is kept there (to look at it afterwards).
  const dbPath = process.argv.find((a) => a.startsWith('--db='))?.slice('--db='.length);
  const instance = await startInstance({ port: 0, app: DIST_APP, ...(dbPath ? { dbPath } : {}) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method: string, url: string, account: { user: string; password: string }, body: unknown) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = http.request(`${instance.url}${url}`, { method, agent, headers: { authorization: basic(account), 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-no-response-body': 'true' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  try {
    const secret = Buffer.alloc(32, 7).toString('base64');
    const configured = await send('PUT', '/api/x_incident_io/v1/sync/config', ACCOUNTS.svc, { webhook_url: webhookUrl, signing_secret: secret, integration_user: ACCOUNTS.svc.user, enabled: true });
    if (configured.status !== 200) throw new Error(`PUT /config: ${configured.status} ${configured.text}`);
    const engine = instance.engine;
    const session = engine.sessionForUser(ACCOUNTS.itil.user);
    if (!session) throw new Error('no ITIL user in the seed');
    const incidents: string[] = [];
    for (let i = 0; i < INCIDENTS; i++) incidents.push(engine.insert('incident', { short_description: `delivery ${i}`, urgency: '2', impact: '3' }, { session }).sysId);
    // The inserts' pushes, then quiet.
    const quiet = async () => {
      let seen = -1;
      while (seen !== pushes) {
        seen = pushes;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    };
    await quiet();

    const patchMs: number[] = [];
    const pushMs: number[] = [];
    const change = async (i: number) => {
      // Its own push (the body carries the new short description): not an earlier change's retry.
      const marker = `"latency ${i}"`;
      const pushed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const rows = engine.query('x_incident_io_outbound_event', { query: `incident_sys_id=${incidents[i % incidents.length]}^ORDERBYDESCorder_key`, limit: 3, session: engine.systemSession() }).records;
          reject(new Error(`change ${i}: no push within 10 s; the incident's latest outbox rows (state, attempts, error): ${JSON.stringify(rows.map((r: { values: Record<string, string> }) => [r.values.state, r.values.attempts, r.values.last_error]))}`));
        }, 10_000);
        arrived = (body) => {
          if (!body.includes(marker)) return;
          clearTimeout(timer);
          resolve();
        };
      });
      tracePoint('lg.patch.sent');
      const sent = performance.now();
      const answer = await send('PATCH', `/api/now/table/incident/${incidents[i % incidents.length]}`, ACCOUNTS.itil, { short_description: `latency ${i}` });
      const answered = performance.now();
      tracePoint('lg.patch.answered');
      if (answer.status !== 200) throw new Error(`PATCH: ${answer.status} ${answer.text.slice(0, 300)}`);
      await pushed;
      const pushedAt = performance.now();
      // The companion's apply takes a few ms before the next change: the delivery job finishes meanwhile.
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      return [answered - sent, pushedAt - sent] as const;
    };
    for (let i = 0; i < WARM_UP; i++) await change(i);
    if (traceFile) fs.writeFileSync(traceFile, '');
    const t0 = threadTimes();
    const c0 = process.cpuUsage();
    for (let i = 0; i < changes; i++) {
      const [patch, push] = await change(WARM_UP + i);
      patchMs.push(patch);
      pushMs.push(push);
    }
    const c1 = process.cpuUsage(c0);
    const t1 = threadTimes();
    // One more, so the trace's last measured window is complete.
    if (traceFile) await change(WARM_UP + changes);
    const byThread = [...t1].map(([k, v]) => [k, (v - (t0.get(k) ?? 0)) / changes] as const).filter(([, v]) => v >= 20).sort((a, b) => b[1] - a[1]);
    const ms = (list: number[]) => `${percentile(list, 0).toFixed(2)} / ${percentile(list, 0.5).toFixed(2)} / ${percentile(list, 0.9).toFixed(2)} ms`;
    process.stdout.write(
      `load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${changes} changes over ${INCIDENTS} incidents (min / median / p90)\n` +
        `PATCH answered       ${ms(patchMs)}\n` +
        `push received        ${ms(pushMs)}\n` +
        `CPU per change       ${((c1.user + c1.system) / changes).toFixed(0)} us (user ${(c1.user / changes).toFixed(0)}, system ${(c1.system / changes).toFixed(0)})\n` +
        `CPU by thread (us/change): ${byThread.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}\n`,
    );
    if (traceFile) {
      process.stdout.write(`timeline:\n${traceReport(traceFile)}`);
      fs.rmSync(traceFile, { force: true });
    }
  } finally {
    agent.destroy();
    await instance.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
