import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A throw-away PostgreSQL cluster for one test run: Debian's binaries (package `postgresql`),
 * a data folder in the temp dir, trust authentication on 127.0.0.1 only, a free port. PostgreSQL
 * refuses to run as root, so under root the cluster runs as the `postgres` user.
 */

export const TEST_PG_URL_ENV = 'INCIDENT_SN_TEST_PG_URL';
export const TEST_PG_MISSING_ENV = 'INCIDENT_SN_TEST_PG_MISSING';
export const INSTALL_HINT =
  'The PostgreSQL suites need PostgreSQL 15+ binaries: install them with `apt-get install -y postgresql` ' +
  '(.ci/run does), or set DATABASE_URL to a server where the test user may CREATE DATABASE.';

export interface TestCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: the admin database. */
  url: string;
  dataDir: string;
  port: number;
  /** Stops the server (fast shutdown: every connection is cut), keeping the data. */
  stopServer(): void;
  /** Starts it again on the same port and data. */
  startServer(): void;
  /** Stops it and removes its data. */
  stop(): void;
}

/** The newest `/usr/lib/postgresql/<version>/bin` that has initdb, or undefined. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0]!, 'bin') : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function asClusterUser(bin: string, args: string[]): { command: string; args: string[] } {
  if (process.getuid?.() === 0) return { command: 'runuser', args: ['-u', 'postgres', '--', bin, ...args] };
  return { command: bin, args };
}

function run(bin: string, args: string[]): void {
  const { command, args: all } = asClusterUser(bin, args);
  const result = spawnSync(command, all, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${path.basename(bin)} failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout || String(result.error)).trim()}`);
  }
}

/** Starts a cluster; throws with INSTALL_HINT when the binaries are missing. */
export async function startTestCluster(): Promise<TestCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(INSTALL_HINT);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dataDir]);
  fs.chmodSync(dataDir, 0o700);
  const port = await freePort();
  const remove = () => fs.rmSync(dataDir, { recursive: true, force: true });
  const startServer = () =>
    run(path.join(bin, 'pg_ctl'), [
      '-D',
      dataDir,
      '-l',
      path.join(dataDir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      // fsync off: a throw-away cluster; 200 connections: replicas and test files at once.
      `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      'start',
    ]);
  const stopServer = () => run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  try {
    run(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    startServer();
  } catch (err) {
    remove();
    throw err;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    port,
    stopServer,
    startServer,
    stop() {
      try {
        if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        remove();
      }
    },
  };
}
