/**
 * `npx tsx bench/delivery-cpu.ts [changes]`: the local instance's CPU per real-time change with the
 * app's real build, warm and on one thread, without a scheduler's wake or a second process: each
 * change is the ITIL user's update of an incident (the app's rules queue its push: `update+rules`),
 * then a second engine on the same database file, as a scheduler worker has, claims and runs the
 * delivery job (`delivery job`: the script, its outbox reads and writes, the signed POST through the
 * outbound HTTP helper to a receiver in a worker thread that answers 200). Figures are the process's
 * CPU (every thread), per change, for three rounds after a warm-up; the last round is the warmest.
 * Where bench/delivery-path.ts shows the latency of the same path across threads, this shows its
 * CPU with less of the machine's noise.
 */
import { Worker } from 'node:worker_threads';
import { InstanceEngine, startInstance } from '../src/instance';
import { attachRuntime } from '../src/instance/runtime';
import { JobRunner, SCHEDULER_JOB_TYPES } from '../src/instance/scheduler/job-runner';
import { buildAppIfStale, DIST_APP } from '../src/shared/build-app';
import { ACCOUNTS, basic } from './fixtures/accounts';

const INCIDENTS = 20;
const WARM_UP = 300;

/** The webhook: a bare node:http server in a worker thread (the delivering thread blocks while it waits). */
const RECEIVER = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
});
server.keepAliveTimeout = 120000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

function cpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

async function main(): Promise<void> {
  const changes = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 500);
  await buildAppIfStale();
  const receiver = new Worker(RECEIVER, { eval: true });
  // Listening from the start: a worker's message with no listener yet is lost.
  const listening = new Promise<number>((resolve, reject) => {
    receiver.once('message', resolve);
    receiver.once('error', reject);
  });
  const instance = await startInstance({ port: 0, app: DIST_APP, scheduler: false });
  let worker: InstanceEngine | null = null;
  try {
    const port = await listening;
    const configured = await fetch(`${instance.url}/api/x_incident_io/v1/sync/config`, {
      method: 'PUT',
      headers: { authorization: basic(ACCOUNTS.svc), 'content-type': 'application/json' },
      body: JSON.stringify({ webhook_url: `http://127.0.0.1:${port}/webhooks/servicenow/local`, signing_secret: Buffer.alloc(32, 7).toString('base64'), integration_user: ACCOUNTS.svc.user, enabled: true }),
    });
    if (configured.status !== 200) throw new Error(`PUT /config: ${configured.status} ${await configured.text()}`);
    const engine = instance.engine;
    const session = engine.sessionForUser(ACCOUNTS.itil.user);
    if (!session) throw new Error('no ITIL user in the seed');
    const jobs = InstanceEngine.open({ dbPath: instance.dbFile, bootstrap: false });
    worker = jobs;
    const runner = new JobRunner(jobs, attachRuntime(jobs));
    const incidents: string[] = [];
    for (let i = 0; i < INCIDENTS; i++) incidents.push(engine.insert('incident', { short_description: `delivery ${i}`, urgency: '2', impact: '3' }, { session }).sysId);
    const drain = (): number => {
      let ran = 0;
      for (let job = jobs.jobs.claim('bench', SCHEDULER_JOB_TYPES); job; job = jobs.jobs.claim('bench', SCHEDULER_JOB_TYPES)) {
        const outcome = runner.run(job);
        if (outcome.error) throw new Error(`job ${outcome.name}: ${outcome.error}`);
        ran++;
      }
      return ran;
    };
    drain();
    const round = (count: number, label: string) => {
      let updateUs = 0;
      let jobUs = 0;
      let ran = 0;
      for (let i = 0; i < count; i++) {
        const c0 = cpuUs();
        engine.update('incident', incidents[i % INCIDENTS]!, { short_description: `${label} ${i}` }, { session, enforceAcl: true, aclMemo: new Map() });
        const c1 = cpuUs();
        ran += drain();
        jobUs += cpuUs() - c1;
        updateUs += c1 - c0;
      }
      return { updateUs: updateUs / count, jobUs: jobUs / count, jobsPerChange: ran / count };
    };
    round(WARM_UP, 'warm-up');
    for (let r = 1; r <= 3; r++) {
      const { updateUs, jobUs, jobsPerChange } = round(changes, `round ${r}`);
      process.stdout.write(`round ${r}: update+rules ${updateUs.toFixed(0)} us, delivery job ${jobUs.toFixed(0)} us per change (process CPU; ${jobsPerChange.toFixed(2)} jobs per change)\n`);
    }
  } finally {
    worker?.close();
    await instance.close();
    await receiver.terminate();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
