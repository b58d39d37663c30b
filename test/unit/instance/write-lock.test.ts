import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { WriteLock } from '../../../src/instance/db/write-lock';

/** Write transactions wait for a lock another connection holds by trying again, not by SQLite's sleeps. */

let dir: string;
let file: string;
let db: Database.Database;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'write-lock-'));
  file = path.join(dir, 'db.sqlite');
  db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 200');
  db.exec('CREATE TABLE t (n INTEGER)');
});

afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function stats(): { writeLockWaits: number; writeLockWaitedMs: number } {
  return { writeLockWaits: 0, writeLockWaitedMs: 0 };
}

describe('write lock', () => {
  it('runs the transaction at once when the lock is free, and keeps the busy timeout for its statements', () => {
    const counted = stats();
    const lock = new WriteLock(db, 200, counted);
    const timeoutInside = lock.run(() => {
      db.prepare('INSERT INTO t (n) VALUES (1)').run();
      return db.pragma('busy_timeout', { simple: true });
    });
    expect(timeoutInside).toBe(200);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(200);
    expect(db.prepare('SELECT COUNT(*) AS c FROM t').get()).toEqual({ c: 1 });
    expect(counted).toEqual({ writeLockWaits: 0, writeLockWaitedMs: 0 });
  });

  it('waits for a lock another thread holds and commits once it is released', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const Database = require('better-sqlite3');
       const db = new Database(workerData.file);
       db.exec('BEGIN IMMEDIATE');
       db.exec('INSERT INTO t (n) VALUES (1)');
       parentPort.postMessage('locked');
       // Holds the lock until the main thread has tried it once (it then sets the flag).
       while (Atomics.load(workerData.shared, 0) === 0) Atomics.wait(workerData.shared, 0, 0, 1);
       db.exec('COMMIT');
       db.close();
       parentPort.postMessage('released');`,
      { eval: true, workerData: { file, shared } },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    const counted = stats();
    const lock = new WriteLock(db, 10_000, counted);
    let tries = 0;
    const timeoutAtTry: unknown[] = [];
    // A try starts by turning SQLite's busy handler off (the lock is then tried without waiting).
    const original = db.exec.bind(db);
    const spied = jest.spyOn(db, 'exec').mockImplementation((sql) => {
      const result = original(sql);
      if (sql === 'PRAGMA busy_timeout = 0') {
        tries++;
        timeoutAtTry.push(db.pragma('busy_timeout', { simple: true }));
        if (tries === 2) Atomics.store(shared, 0, 1);
      }
      return result;
    });
    lock.run(() => db.prepare('INSERT INTO t (n) VALUES (2)').run());
    spied.mockRestore();
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(db.prepare('SELECT n FROM t ORDER BY rowid').all()).toEqual([{ n: 1 }, { n: 2 }]);
    expect(tries).toBeGreaterThanOrEqual(2);
    // Every try of the lock is made without SQLite's busy handler.
    expect(timeoutAtTry).toEqual(timeoutAtTry.map(() => 0));
    expect(counted.writeLockWaits).toBe(1);
    expect(counted.writeLockWaitedMs).toBeGreaterThan(0);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(10_000);
  });

  it('gives up with SQLite’s busy error after the busy timeout, without running the transaction', () => {
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    const counted = stats();
    const lock = new WriteLock(db, 20, counted);
    const work = jest.fn();
    try {
      expect(() => lock.run(work)).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }) as Error);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(work).not.toHaveBeenCalled();
    expect(counted.writeLockWaits).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(20);
    expect(db.inTransaction).toBe(false);
  });

  it('does not try again when the transaction itself fails', () => {
    const lock = new WriteLock(db, 200, stats());
    const busyInside = Object.assign(new Error('inside'), { code: 'SQLITE_BUSY' });
    const work = jest.fn(() => {
      throw busyInside;
    });
    expect(() => lock.run(work)).toThrow(busyInside);
    expect(work).toHaveBeenCalledTimes(1);
  });
});
