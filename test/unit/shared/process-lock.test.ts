import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireProcessLock, acquireProcessLocks, LockHeldError } from '../../../src/shared/process-lock';
import { waitFor } from '../../helpers/wait-for';

/** The lock on a database file: held by the operating system, released by exit or release(). */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const request = (file: string) => ({ file: path.join(dir, file), command: 'incident-sn test', alternative: 'pass --db <another file>' });

describe('acquireProcessLock', () => {
  it('refuses a second holder at once, naming the first (pid, command) and what to do, until the first releases', () => {
    const first = acquireProcessLock(request('a.db'));
    let refused: unknown;
    try {
      acquireProcessLock(request('a.db'));
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(LockHeldError);
    expect((refused as LockHeldError).holder).toMatchObject({ pid: process.pid, command: 'incident-sn test' });
    expect((refused as Error).message).toContain(`Another incident-sn test (pid ${process.pid}, running since `);
    expect((refused as Error).message).toContain(`is using ${path.join(dir, 'a.db')}: stop it (Ctrl+C in its terminal, or kill -INT ${process.pid}), or pass --db <another file>.`);
    first.release();
    first.release();
    expect(fs.existsSync(path.join(dir, 'a.db.lock.json'))).toBe(false);
    acquireProcessLock(request('a.db')).release();
  });

  it('takes several locks all or none', () => {
    const held = acquireProcessLock(request('b.db'));
    expect(() => acquireProcessLocks([request('a.db'), request('b.db')])).toThrow(LockHeldError);
    held.release();
    // a.db was given back when b.db could not be taken.
    const both = acquireProcessLocks([request('a.db'), request('b.db')]);
    expect(both.map((l) => path.basename(l.file))).toEqual(['a.db', 'b.db']);
    for (const lock of both) lock.release();
  });

  it('is free again the moment its holder is killed (kill -9: no stale lock), though its note stays behind', async () => {
    const lockFile = path.join(dir, 'c.db.lock');
    // Another process holds the lock the same way (SQLite's exclusive lock) and is killed.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const db = new D(${JSON.stringify(lockFile)}); ` +
          `db.pragma('locking_mode = EXCLUSIVE'); db.exec('BEGIN EXCLUSIVE'); ` +
          `require('fs').writeFileSync(${JSON.stringify(`${lockFile}.json`)}, JSON.stringify({ pid: process.pid, command: 'incident-sn start', host: require('os').hostname(), startedAt: 'then' })); ` +
          `console.log('held'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
      expect(() => acquireProcessLock(request('c.db'))).toThrow(`Another incident-sn start (pid ${holder.pid}, running since then)`);
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
      expect(fs.existsSync(`${lockFile}.json`)).toBe(true);
      const taken = await waitFor(() => {
        try {
          return acquireProcessLock(request('c.db'));
        } catch {
          return undefined;
        }
      });
      expect(JSON.parse(fs.readFileSync(`${lockFile}.json`, 'utf8'))).toMatchObject({ pid: process.pid });
      taken.release();
    } finally {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
    }
  });
});
