import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/build';
import { waitFor } from '../helpers/wait-for';
import { startRoundRobinProxy, type RoundRobinProxy } from '../../fixtures/round-robin-proxy';

/**
 * The fault suite's harness: the real `incident-sn` binary as separate processes (the local
 * instance with the app's build, `connect`, `serve`), in a temporary data folder, on free ports,
 * driven over HTTP as people would (an ITIL user in ServiceNow, incident.io's API), and killed
 * with SIGKILL when a scenario says so. Every process started here is killed by `killAll()`.
 */

const BIN = path.join(ROOT, 'bin/incident-sn.js');

export const ADMIN = { user: 'admin', password: 'admin' };
export const ITIL = { user: 'itil.user', password: 'itil-password' };
export const SVC = { user: 'svc_incident_io', password: 'svc-local-password' };
export const OAUTH_CLIENT = { id: 'incident-io-local', secret: 'local-client-secret' };

/** Every child process of this test file, so none outlives it (even when a test fails). */
const children = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** A port nobody listens on right now (the companion keeps one port across restarts: the app pushes to it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * `FAULT_LOG_DIR=<folder>` keeps each process's whole output in a file there (`<command>-<pid>.log`, and
 * the test PostgreSQL cluster's server log, `postgres-server.log`, when the run started one),
 * and `FAULT_LOG_LEVEL` sets its log level (default warn): for replaying a failed seed.
 */
const LOG_DIR = process.env.FAULT_LOG_DIR;

function spawnBin(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  const file = LOG_DIR ? fs.createWriteStream(path.join(LOG_DIR, `${args[0]}-${child.pid}.log`)) : null;
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-200_000);
    file?.write(chunk);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, output: () => output, exited };
}

async function ready(proc: Proc, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return waitFor(
    () => {
      if (proc.child.exitCode !== null) throw new Error(`${what} exited with ${proc.child.exitCode}; its output:\n${proc.output()}`);
      return pattern.exec(proc.output());
    },
    { timeoutMs, intervalMs: 50, message: what },
  ).catch((err: Error) => {
    proc.child.kill('SIGKILL');
    throw new Error(`${err.message}; its output:\n${proc.output()}`);
  });
}

export interface Setup {
  dir: string;
  /** The instance's URL. */
  sn: string;
  /** The companion's URL (a fixed port, kept across restarts). */
  api: string;
  companionPort: number;
  instance: Proc;
  companion: Proc | null;
  env: NodeJS.ProcessEnv;
  dbFile: string;
  /** Several companions on PostgreSQL: `api` and `companionPort` are then the proxy's, in front of them. */
  replicas?: { ports: number[]; procs: Array<Proc | null>; proxy: RoundRobinProxy };
}

export interface SetupOptions {
  /** `--rate-limit-window-seconds` of the instance. */
  rateLimitWindowSeconds?: number;
  /** Where the app pushes (default: the companion itself); a test's proxy in front of it. */
  publicUrl?: (companionPort: number) => Promise<string> | string;
  /** `count` companions sharing the PostgreSQL database `databaseUrl`, behind a round-robin proxy (the app pushes to it). */
  replicas?: { count: number; databaseUrl: string };
}

/** The app's scheduled job that retries failed pushes (every minute by default). */
export const RETRY_JOB = 'Retry and purge incident.io outbox';
/** Its period here, seconds. */
export const RETRY_JOB_PERIOD_SECONDS = 10;

/**
 * The local instance with the app (a file database in a temporary folder), `connect` as a customer
 * runs it, then `serve` on a free port. Two of the app's settings are shortened the way an admin
 * can on any instance, so that an outage costs seconds rather than minutes in a bounded suite: the
 * retry base `x_incident_io.retry_base_seconds` (30 s → 1 s) and the period of the retry job
 * (1 min → 10 s, its `sysauto_script.run_period`). The retries themselves stay the app's: backoff,
 * order per incident, and the job picking up what is due.
 */
export async function startSetup(options: SetupOptions = {}): Promise<Setup> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-fault-'));
  const env: NodeJS.ProcessEnv = {
    INCIDENT_SN_API_KEY: '',
    INCIDENT_SN_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
    INCIDENT_SN_DB: path.join(dir, 'companion.db'),
    LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'warn',
  };
  const instanceArgs = ['instance', '--port', '0', '--db', path.join(dir, 'instance.db'), '--app', 'dist/app', '--log-level', 'warn'];
  if (options.rateLimitWindowSeconds !== undefined) instanceArgs.push('--rate-limit-window-seconds', String(options.rateLimitWindowSeconds));
  const instance = spawnBin(instanceArgs, env);
  const snUrl = (await ready(instance, /Local ServiceNow instance: (http:\/\/\S+)/, 'the local instance to listen'))[1]!;
  let replicas: Setup['replicas'];
  if (options.replicas) {
    env.DATABASE_URL = options.replicas.databaseUrl;
    const ports = await Promise.all(Array.from({ length: options.replicas.count }, () => freePort()));
    replicas = { ports, procs: ports.map(() => null), proxy: await startRoundRobinProxy(ports) };
  }
  const companionPort = replicas ? replicas.proxy.port : await freePort();
  const setup: Setup = { dir, sn: snUrl, api: `http://127.0.0.1:${companionPort}`, companionPort, instance, companion: null, env, dbFile: env.INCIDENT_SN_DB!, ...(replicas ? { replicas } : {}) };
  const publicUrl = options.publicUrl ? await options.publicUrl(companionPort) : setup.api;
  await connect(setup, SVC.password, publicUrl);
  await setProperty(setup, 'x_incident_io.retry_base_seconds', '1');
  const job: Json[] = await sn(setup, 'GET', `/api/now/table/sysauto_script?sysparm_query=name=${encodeURIComponent(RETRY_JOB)}&sysparm_fields=sys_id`);
  if (job.length !== 1) throw new Error(`the app's job "${RETRY_JOB}" is not installed`);
  await sn(setup, 'PATCH', `/api/now/table/sysauto_script/${job[0].sys_id}`, { run_period: `1970-01-01 00:00:${String(RETRY_JOB_PERIOD_SECONDS).padStart(2, '0')}` });
  await startCompanion(setup);
  return setup;
}

/** `incident-sn connect` with the seeded OAuth client and service account; throws with its output unless it exits 0. */
export async function connect(setup: Setup, password: string, publicUrl = setup.api): Promise<string> {
  const proc = spawnBin(
    ['connect', '--instance', setup.sn, '--client-id', OAUTH_CLIENT.id, '--username', SVC.user, '--public-url', publicUrl, '--db', setup.dbFile],
    { ...setup.env, SN_CLIENT_SECRET: OAUTH_CLIENT.secret, SN_PASSWORD: password },
  );
  const code = await proc.exited;
  if (code !== 0) throw new Error(`connect exited with ${code}:\n${proc.output()}`);
  return proc.output();
}

/** `incident-sn doctor --json`: its exit code and checks. */
export async function doctor(setup: Setup): Promise<{ code: number | string; output: string }> {
  const proc = spawnBin(['doctor', '--db', setup.dbFile, '--json'], setup.env);
  const code = await proc.exited;
  return { code, output: proc.output() };
}

/** `incident-sn serve` on the setup's port (with replicas: every replica not running); resolves once it listens. */
export async function startCompanion(setup: Setup): Promise<Proc> {
  if (setup.replicas) {
    const started = await Promise.all(setup.replicas.procs.map((proc, i) => proc ?? startReplica(setup, i)));
    setup.companion = started[0]!;
    return started[0]!;
  }
  const proc = spawnBin(['serve', '--port', String(setup.companionPort), '--db', setup.dbFile], setup.env);
  await ready(proc, /incident\.io companion listening on/, 'the companion to listen');
  setup.companion = proc;
  return proc;
}

/** Replica `i` of a setup with replicas, on its own port behind the proxy. */
export async function startReplica(setup: Setup, i: number): Promise<Proc> {
  const proc = spawnBin(['serve', '--port', String(setup.replicas!.ports[i]), '--db', setup.dbFile], setup.env);
  // Three replicas, the instance and the workload share two cores: a start may take a while.
  await ready(proc, /incident\.io companion listening on/, `companion replica ${i} to listen`, 150_000);
  setup.replicas!.procs[i] = proc;
  return proc;
}

/** SIGKILL of replica `i`. */
export async function killReplica(setup: Setup, i: number): Promise<void> {
  const proc = setup.replicas!.procs[i];
  if (!proc) return;
  proc.child.kill('SIGKILL');
  await proc.exited;
  setup.replicas!.procs[i] = null;
}

/** SIGKILL: no shutdown, no cleanup, as a crash or an OOM kill. */
export async function killCompanion(setup: Setup): Promise<void> {
  const proc = setup.companion;
  if (!proc) return;
  proc.child.kill('SIGKILL');
  await proc.exited;
  setup.companion = null;
}

/** SIGTERM: the graceful stop. */
export async function stopCompanion(setup: Setup): Promise<number | string> {
  const proc = setup.companion;
  if (!proc) return 0;
  proc.child.kill('SIGTERM');
  const code = await proc.exited;
  setup.companion = null;
  return code;
}

export async function teardown(setup: Setup | undefined): Promise<void> {
  killAll();
  if (setup) {
    await Promise.all([setup.companion?.exited, setup.instance.exited, ...(setup.replicas?.procs.map((p) => p?.exited) ?? [])].filter(Boolean));
    await setup.replicas?.proxy.close();
    // With FAULT_LOG_DIR the databases are kept beside the logs, to read what happened.
    if (LOG_DIR) fs.cpSync(setup.dir, path.join(LOG_DIR, path.basename(setup.dir)), { recursive: true });
    fs.rmSync(setup.dir, { recursive: true, force: true });
  }
}

// ---- HTTP ----------------------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of two APIs, read field by field
export type Json = any;

export interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

async function call(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

const basic = (who: { user: string; password: string }): string => `Basic ${Buffer.from(`${who.user}:${who.password}`).toString('base64')}`;

/** A Table API (or any instance) call, as admin unless told otherwise. */
export function snRequest(setup: Setup, method: string, pathAndQuery: string, body?: unknown, who = ADMIN): Promise<Answer> {
  return call(`${setup.sn}${pathAndQuery}`, method, body, { Authorization: basic(who) });
}

/** The same, failing unless 2xx. */
export async function sn(setup: Setup, method: string, pathAndQuery: string, body?: unknown, who = ADMIN): Promise<Json> {
  const answer = await snRequest(setup, method, pathAndQuery, body, who);
  if (answer.status < 200 || answer.status > 299) throw new Error(`${method} ${pathAndQuery} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body?.result;
}

export function apiRequest(setup: Setup, method: string, pathAndQuery: string, body?: unknown): Promise<Answer> {
  return call(`${setup.api}${pathAndQuery}`, method, body, {});
}

export async function api(setup: Setup, method: string, pathAndQuery: string, body?: unknown): Promise<Json> {
  const answer = await apiRequest(setup, method, pathAndQuery, body);
  if (answer.status < 200 || answer.status > 299) throw new Error(`${method} ${pathAndQuery} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export async function setProperty(setup: Setup, name: string, value: string): Promise<void> {
  const found = await sn(setup, 'GET', `/api/now/table/sys_properties?sysparm_query=name=${encodeURIComponent(name)}&sysparm_fields=sys_id`);
  if (!Array.isArray(found) || found.length !== 1) throw new Error(`property ${name} not found`);
  await sn(setup, 'PATCH', `/api/now/table/sys_properties/${found[0].sys_id}`, { value });
}

/** Undelivered events in the app's outbox (queued, sending, failed) and dead ones. */
export async function outbox(setup: Setup): Promise<{ undelivered: number; dead: number }> {
  const rows: Json[] = await sn(setup, 'GET', '/api/now/table/x_incident_io_outbound_event?sysparm_query=state!=delivered&sysparm_fields=state&sysparm_limit=10000');
  return { undelivered: rows.filter((r) => r.state !== 'dead').length, dead: rows.filter((r) => r.state === 'dead').length };
}

/** A gauge or counter of the companion's /metrics, summed over the series whose labels contain `labels`. */
export async function metric(setup: Setup, name: string, labels: Record<string, string> = {}): Promise<number> {
  const answer = await apiRequest(setup, 'GET', '/metrics');
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`);
  let sum = 0;
  for (const line of String(answer.body).split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const series = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

/**
 * The head of each incident's undelivered events in the app's outbox (what holds that incident
 * back, since the app delivers in order) and what the scheduler runs, one line each: why a
 * scenario did not settle.
 */
export async function outboxBacklog(setup: Setup, limit = 10): Promise<string[]> {
  const rows: Json[] = await sn(
    setup,
    'GET',
    '/api/now/table/x_incident_io_outbound_event?sysparm_query=state!=delivered^ORDERBYincident_number^ORDERBYorder_key' +
      '&sysparm_fields=incident_number,event_type,state,attempts,next_attempt_at,last_attempt_at,last_http_status,last_error&sysparm_limit=500',
  );
  const heads = new Map<string, { head: Json; count: number }>();
  for (const row of rows) {
    const seen = heads.get(row.incident_number);
    if (seen) seen.count += 1;
    else heads.set(row.incident_number, { head: row, count: 1 });
  }
  const ready = await snRequest(setup, 'GET', '/api/now/table/sys_trigger?sysparm_query=state=ready&sysparm_fields=sys_id&sysparm_limit=1');
  const running: Json[] = await sn(setup, 'GET', '/api/now/table/sys_trigger?sysparm_query=state=running&sysparm_fields=name,sys_updated_on&sysparm_limit=5');
  return [
    `time ${new Date().toISOString()}: scheduler ${ready.headers.get('x-total-count')} job(s) ready, running: ${running.map((r) => `${r.name} since ${r.sys_updated_on}`).join('; ') || 'none'}`,
    ...[...heads.values()].slice(0, limit).map(
      ({ head: r, count }) =>
        `${r.incident_number}: ${count} undelivered; first ${r.event_type} ${r.state} attempts=${r.attempts} last=${r.last_attempt_at} next=${r.next_attempt_at} status=${r.last_http_status} ${String(r.last_error).slice(0, 120)}`,
    ),
  ];
}

// ---- figures -------------------------------------------------------------------------------------

export interface Figures {
  scenario: string;
  changes: number;
  lost: number;
  duplicated: number;
  diverged: number;
  reverted: number;
  settleSeconds: number | null;
  notes?: string;
}

/** Prints the figures as a Markdown table row (with its header), for the lead to copy to the issue. */
export function printFigures(figures: Figures): void {
  const settle = figures.settleSeconds === null ? 'did not settle' : figures.settleSeconds.toFixed(1);
  const header = '| scenario | changes made | lost | duplicated | diverged | reverted | seconds to settle | notes |\n|---|---|---|---|---|---|---|---|';
  const row = `| ${figures.scenario} | ${figures.changes} | ${figures.lost} | ${figures.duplicated} | ${figures.diverged} | ${figures.reverted} | ${settle} | ${figures.notes ?? ''} |`;
  process.stdout.write(`\nFAULT FIGURES\n${header}\n${row}\n\n`);
}

/** The figures of a scenario from its verdict. */
export function reportVerdict(
  scenario: string,
  verdict: { changes: number; lost: number; duplicated: number; diverged: number; reverted: number },
  settleSeconds: number | null,
  notes = '',
): void {
  printFigures({ scenario, changes: verdict.changes, lost: verdict.lost, duplicated: verdict.duplicated, diverged: verdict.diverged, reverted: verdict.reverted, settleSeconds, notes });
}
