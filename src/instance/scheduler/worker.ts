import { IncidentSnError } from '../../shared/errors';
import { parentPort, workerData } from 'node:worker_threads';
import { InstanceEngine } from '../records/engine';
import { attachRuntime } from '../runtime';
import { threadHttpClient } from '../runtime/outbound/sync-http';
import { describeThrown } from '../runtime/script-runtime';
import { JobRunner, SCHEDULER_JOB_TYPES } from './job-runner';
import type { SchedulerWorkerData, ToWorker, FromWorker } from './protocol';
import { tracePoint } from '../../shared/latency-trace';

/**
 * A scheduler worker thread: its own engine on the instance's database file and its own script
 * runtime; it claims jobs one at a time (the claim is atomic across threads) and runs them. It wakes
 * when the main thread says a job was queued, when this thread queued one itself, when the next job
 * is due, or after the poll interval at the latest (a safety net).
 */

const data = workerData as SchedulerWorkerData;
if (!parentPort) throw new IncidentSnError('the scheduler worker must run in a worker thread', { code: 'scheduler_worker_misused' });
const port = parentPort;

const engine = InstanceEngine.open({ dbPath: data.dbFile, bootstrap: false });
const attached = attachRuntime(engine, { scriptTimeoutMs: data.scriptTimeoutMs });
const runner = new JobRunner(engine, attached);

let paused = data.paused;
let stopping = false;
let poked = false;
let wakeUp: (() => void) | null = null;
/** Idle reports sent so far; whether the main thread counts this worker busy (it does from the start). */
let idleReports = 0;
let countedBusy = true;

const post = (message: FromWorker): void => port.postMessage(message);

function poke(): void {
  poked = true;
  wakeUp?.();
}

engine.jobs.onQueued(() => {
  poke();
  post({ type: 'queued' });
});

port.on('message', (message: ToWorker) => {
  if (message.type === 'wake') {
    tracePoint('w.woken');
    // Woken after the main thread read this worker's latest idle report: it counts it busy now.
    if (message.idleSeen === idleReports) countedBusy = true;
    poke();
  }
  else if (message.type === 'pause') {
    paused = true;
    // Acknowledged between two jobs at the latest (messages are handled only while no job runs).
    post({ type: 'paused' });
  }
  else if (message.type === 'resume') {
    paused = false;
    poke();
  } else if (message.type === 'stop') {
    stopping = true;
    poke();
  }
});

function nextDue(): number | null {
  return engine.jobs.nextRunAtOf(SCHEDULER_JOB_TYPES);
}

function sleep(ms: number): Promise<void> {
  if (poked) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      wakeUp = null;
      resolve();
    }
    wakeUp = done;
  });
}

async function main(): Promise<void> {
  post({ type: 'ready' });
  // Before the first job: the dictionary read and the app's server modules compiled once per thread,
  // not on a job's time.
  try {
    engine.checkMetadata();
    engine.dictionary();
    // An app's deliveries call out: its thread's outbound HTTP helper is started now too.
    if (attached.runtime.warmModules() > 0) threadHttpClient().warmUp();
  } catch (err) {
    post({ type: 'log', level: 'warn', message: `could not compile the server modules ahead: ${describeThrown(err).message}` });
  }
  while (!stopping) {
    poked = false;
    if (!paused) {
      let job = null;
      try {
        job = engine.jobs.claim(data.workerId, SCHEDULER_JOB_TYPES);
      } catch (err) {
        post({ type: 'log', level: 'warn', message: `could not claim a job: ${describeThrown(err).message}` });
      }
      if (job) {
        tracePoint('w.claimed');
        if (!countedBusy) {
          post({ type: 'started', sysId: job.sysId });
          countedBusy = true;
        }
        const outcome = runner.run(job);
        tracePoint('w.job.done');
        post({ type: 'done', outcome });
        // Let messages (stop, pause) in between two jobs.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
    }
    let waitMs = data.pollIntervalMs;
    if (!paused) {
      const due = nextDue();
      if (due !== null) waitMs = Math.min(waitMs, Math.max(due - Date.now(), 5));
    }
    if (!poked) {
      idleReports++;
      countedBusy = false;
      post({ type: 'idle', seq: idleReports });
    }
    await sleep(waitMs);
  }
  engine.close();
  port.close();
}

main().catch((err: unknown) => {
  post({ type: 'log', level: 'error', message: `scheduler worker stopped: ${describeThrown(err).stack}` });
  try {
    engine.close();
  } finally {
    port.close();
  }
});
