import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { acquireProcessLock, pidAlive } from '../../../src/shared/process-lock';
import { ROOT } from '../../helpers/build';
import { waitFor } from '../../helpers/wait-for';

// One process per data folder, and stopping by pid, with the real binaries as separate processes:
// `npm start` as a user runs it (npm → node), and `serve` / `instance` as npx runs them (npm → sh -c
// → node). Signals go to npm's pid; afterwards no process of the tree is left and the ports are free.

jest.setTimeout(120_000);

const BIN = path.join(ROOT, 'bin/incident-sn.js');
const ENV = { ...process.env, INCIDENT_SN_API_KEY: '', INCIDENT_SN_SECRET_KEY: '', npm_config_update_notifier: 'false' };

/** Every process started here, so a failing test never leaves one running. */
const children = new Set<ChildProcess>();
const treePids = new Set<number>();
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of treePids) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  children.clear();
  treePids.clear();
});

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(command: string, args: string[], stdin: 'ignore' | 'pipe' = 'ignore'): Running {
  const child = spawn(command, args, { cwd: ROOT, env: ENV, stdio: [stdin, 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** Runs the binary to its end (a command that is expected to be refused at once). */
async function refused(args: string[]): Promise<{ code: number | null; output: string }> {
  const r = run(process.execPath, [BIN, ...args]);
  const { code } = await r.exited;
  return { code, output: r.output() };
}

/** Every process below `pid` (children, grandchildren…), from ps; `depth` 1: only its children. */
function descendants(pid: number, depth = Infinity): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number, level: number): void => {
    for (const [child, ppid] of rows) {
      if (ppid === parent) {
        found.push(child);
        if (level < depth) walk(child, level + 1);
      }
    }
  };
  walk(pid, 1);
  return found;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const portOf = (url: string): number => Number(new URL(url).port);

async function ready(r: Running, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return waitFor(() => pattern.exec(r.output()) ?? (r.child.exitCode !== null ? Promise.reject(new Error(`${what} exited:\n${r.output()}`)) : undefined), {
    timeoutMs: 90_000,
    message: what,
  }).catch((err: Error) => {
    throw new Error(`${err.message}; its output:\n${r.output()}`);
  });
}

interface NpmStart extends Running {
  nodePid: number;
  tree: number[];
  ports: number[];
}

async function npmStart(dataDir: string): Promise<NpmStart> {
  const r = run('npm', ['start', '--', '--data-dir', dataDir, '--instance-port', '0', '--port', '0']);
  const m = await ready(r, /Ready\. incident\.io side: (\S+)\/api\/incidents\s+ServiceNow \(emulated\): (\S+)[\s\S]*kill -INT (\d+)/, 'npm start to be ready');
  const tree = descendants(r.child.pid!);
  for (const pid of tree) treePids.add(pid);
  return { ...r, nodePid: Number(m[3]), tree, ports: [portOf(m[1]!), portOf(m[2]!)] };
}

/** After a signal to the launcher's pid: the launcher exits, and so does every process it started; the ports are free. */
async function expectAllGone(launcher: Running, tree: number[], ports: number[]): Promise<void> {
  await launcher.exited;
  await waitFor(() => tree.every((pid) => !pidAlive(pid)), { timeoutMs: 20_000, message: `every process of the tree (${tree.join(', ')}) to exit` });
  for (const port of ports) expect([port, await portFree(port)]).toEqual([port, true]);
}

const DATA_FILES = ['instance.db', 'companion.db', 'secret.key'];
const inodes = (dataDir: string): number[] => DATA_FILES.map((file) => fs.statSync(path.join(dataDir, file)).ino);

describe('npm start: one per data folder, stopped by npm\'s pid', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-process-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a second start, a --reset, a serve and an instance on the same data with the pid, deleting nothing; SIGTERM to npm stops everything', async () => {
    const first = await npmStart(dataDir);
    // npm runs node itself (the script execs it), so npm's signals reach node; node's own children
    // (esbuild's service for tsx) are in the tree too.
    expect(descendants(first.child.pid!, 1)).toEqual([first.nodePid]);
    expect(first.tree).toContain(first.nodePid);
    const before = inodes(dataDir);

    // Four refusals at once: a second start, a --reset, a serve and an instance on its files.
    const [second, reset, serve, instance] = await Promise.all([
      refused(['start', '--data-dir', dataDir, '--instance-port', '0', '--port', '0']),
      refused(['start', '--data-dir', dataDir, '--reset', '--yes', '--instance-port', '0', '--port', '0']),
      refused(['serve', '--db', path.join(dataDir, 'companion.db'), '--port', '0']),
      refused(['instance', '--db', path.join(dataDir, 'instance.db'), '--port', '0']),
    ]);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`Another incident-sn start (pid ${first.nodePid}, running since `);
    expect(second.output).toContain(`stop it (Ctrl+C in its terminal, or kill -INT ${first.nodePid}), or pass --data-dir <another folder>.`);

    expect(reset.code).toBe(1);
    expect(reset.output).toContain(`Another incident-sn start (pid ${first.nodePid}`);
    expect(reset.output).not.toContain('Reset: removed');
    expect(inodes(dataDir)).toEqual(before);

    expect(serve.code).toBe(2);
    expect(serve.output).toContain(`Another incident-sn start (pid ${first.nodePid}`);
    expect(serve.output).toContain('or pass --db <another file>');
    expect(instance.code).toBe(1);
    expect(instance.output).toContain(`Another incident-sn start (pid ${first.nodePid}`);

    // The first one never noticed.
    const health = await fetch(`http://127.0.0.1:${first.ports[0]}/healthz`);
    expect(health.status).toBe(200);

    process.kill(first.child.pid!, 'SIGTERM');
    await expectAllGone(first, first.tree, first.ports);
    expect(first.output()).toContain('Stopped. Data kept in');
    expect(inodes(dataDir)).toEqual(before);
  });

  it('SIGINT to npm\'s pid stops everything too, and the data is kept for the next run', async () => {
    const again = await npmStart(dataDir);
    expect(again.output()).toContain('connection "local" moved there');
    process.kill(again.child.pid!, 'SIGINT');
    await expectAllGone(again, again.tree, again.ports);
    expect(again.output()).toContain('Stopped. Data kept in');
    expect((await again.exited).code).toBe(0);
  });

  it('a SIGTERM while it is still starting stops it once started, leaving no process behind', async () => {
    const starting = run('npm', ['start', '--', '--data-dir', dataDir, '--instance-port', '0', '--port', '0']);
    await ready(starting, /Building the app/, 'npm start to begin');
    const tree = descendants(starting.child.pid!);
    for (const pid of tree) treePids.add(pid);
    process.kill(starting.child.pid!, 'SIGTERM');
    expect((await starting.exited).code).toBe(0);
    await waitFor(() => tree.every((pid) => !pidAlive(pid)), { timeoutMs: 20_000, message: 'every process of the tree to exit' });
    expect(starting.output()).toContain('Stopping once started');
    expect(starting.output()).toContain('Stopped. Data kept in');
    const ports = [...starting.output().matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(ports.length).toBeGreaterThanOrEqual(2);
    for (const port of new Set(ports)) expect([port, await portFree(port)]).toEqual([port, true]);
  });

  it('--reset with no terminal to confirm on and no --yes deletes nothing', async () => {
    const before = inodes(dataDir);
    const reset = await refused(['start', '--data-dir', dataDir, '--reset', '--instance-port', '0', '--port', '0']);
    expect(reset.code).toBe(1);
    expect(reset.output).toContain(`--reset would delete instance.db`);
    expect(reset.output).toContain('there is no terminal to confirm on: add --yes to delete without asking.');
    expect(inodes(dataDir)).toEqual(before);
    // …and it gave the lock back.
    acquireProcessLock({ file: path.join(dataDir, 'companion.db'), command: 'test', alternative: '' }).release();
  });

  it('--reset on a terminal asks first, and "n" deletes nothing', async () => {
    const before = inodes(dataDir);
    // script(1) gives the command a pseudo-terminal, as a user's shell would.
    const command = [process.execPath, BIN, 'start', '--data-dir', dataDir, '--reset', '--instance-port', '0', '--port', '0'].map((a) => `'${a}'`).join(' ');
    const asked = run('script', ['-qec', command, '/dev/null'], 'pipe');
    await ready(asked, /Delete\? \[y\/N\]/, 'the question');
    asked.child.stdin!.write('n\r');
    expect((await asked.exited).code).toBe(1);
    expect(asked.output()).toContain(`--reset deletes instance.db`);
    expect(asked.output()).toContain(`Reset cancelled: nothing was deleted from ${dataDir}.`);
    expect(inodes(dataDir)).toEqual(before);
  });
});

describe('serve and instance as npx runs them (npm → sh -c → node)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-npx-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const commands: Array<[string, string[], RegExp]> = [
    ['serve', ['serve', '--db', 'companion.db', '--port', '0'], /listening on (http:\/\/\S+)[\s\S]*kill -INT (\d+)/],
    ['instance', ['instance', '--db', 'instance.db', '--port', '0', '--workers', '0', '--log-level', 'warn'], /Local ServiceNow instance: (http:\/\/\S+)[\s\S]*kill -INT (\d+)/],
  ];

  it.each(commands)('%s: SIGTERM to npm\'s pid stops node too (no orphan), and its lock is free again', async (name, args, pattern) => {
    const db = path.join(dataDir, args[2]!);
    const withDb = args.map((a) => (a === args[2] ? db : a));
    const launched = run('npm', ['exec', '-c', `node ${BIN} ${withDb.join(' ')}`]);
    const m = await ready(launched, pattern, `${name} to listen`);
    const tree = descendants(launched.child.pid!);
    for (const pid of tree) treePids.add(pid);
    const nodePid = Number(m[2]);
    expect(tree).toContain(nodePid);
    expect(tree.length).toBeGreaterThan(1); // the shell npm runs the command with is in between

    process.kill(launched.child.pid!, 'SIGTERM');
    await expectAllGone(launched, tree, [portOf(m[1]!)]);
    acquireProcessLock({ file: db, command: 'test', alternative: '' }).release();
  });

  it('instance: a lock whose holder was killed (kill -9) is taken over at once', async () => {
    const db = path.join(dataDir, 'killed.db');
    const args = [BIN, 'instance', '--db', db, '--port', '0', '--workers', '0', '--log-level', 'warn'];
    const first = run(process.execPath, args);
    await ready(first, /Stop with Ctrl\+C/, 'the instance to start');
    first.child.kill('SIGKILL');
    await first.exited;
    const second = run(process.execPath, args);
    const m = await ready(second, /Local ServiceNow instance: (http:\/\/\S+)[\s\S]*Stop with Ctrl\+C/, 'the instance to start again on the same database');
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
    expect(await portFree(portOf(m[1]!))).toBe(true);
  });
});
