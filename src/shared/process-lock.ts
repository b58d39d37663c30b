import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { IncidentSnError } from './errors';

/**
 * One process per database file: `incident-sn start`, `serve` and `instance` each take an
 * exclusive lock on the files they use before touching anything, and a second process is refused
 * at once, told which process holds them and what to do.
 *
 * The lock is SQLite's own (an EXCLUSIVE transaction in exclusive locking mode on `<file>.lock`),
 * so the operating system holds it and drops it the moment the holder dies, even after `kill -9`:
 * there is never a stale lock to detect or take over, and no window where two processes both
 * take over a dead one's lock (the weakness of an O_EXCL lock file with a liveness check, or of
 * proper-lockfile's mtime). The holder's pid, command and start time are written next to it
 * (`<file>.lock.json`) only to tell the next process who holds it. The lock file is never deleted:
 * a process waiting on a deleted file's lock would hold a lock nobody else sees.
 */

export interface LockHolder {
  pid: number;
  /** What runs, e.g. "incident-sn start". */
  command: string;
  host: string;
  /** ISO 8601. */
  startedAt: string;
}

export class LockHeldError extends IncidentSnError {
  readonly file: string;
  readonly holder: LockHolder | undefined;

  constructor(message: string, file: string, holder: LockHolder | undefined, cause: unknown) {
    super(message, { code: 'lock_held', cause });
    this.file = file;
    this.holder = holder;
  }
}

export interface ProcessLock {
  /** The database file locked. */
  readonly file: string;
  /** Releases the lock (idempotent). The process's exit releases it too. */
  release(): void;
}

export interface LockRequest {
  /** The database file to lock (the lock is `<file>.lock`). */
  file: string;
  /** What takes it, e.g. "incident-sn start". */
  command: string;
  /** How else to proceed than stopping the holder, e.g. "pass --data-dir <another folder>". */
  alternative: string;
}

const holderFileOf = (lockFile: string): string => `${lockFile}.json`;

function readHolder(lockFile: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(holderFileOf(lockFile), 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.command !== 'string') return undefined;
    return { pid: parsed.pid, command: parsed.command, host: String(parsed.host ?? ''), startedAt: String(parsed.startedAt ?? '') };
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs (one of another user's counts). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The holder of a held lock. Its note may not be written yet, or be a dead holder's (the lock was
 * taken a moment ago): read it again for up to half a second before saying it is unknown.
 */
function currentHolder(lockFile: string): LockHolder | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    const holder = readHolder(lockFile);
    if (holder && (holder.host !== os.hostname() || pidAlive(holder.pid))) return holder;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
  return undefined;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function heldMessage(request: LockRequest, file: string, holder: LockHolder | undefined): string {
  if (!holder) {
    return `Another process is using ${file} (it is starting, or did not say which it is): stop it first, or ${request.alternative}.`;
  }
  const since = holder.startedAt ? `, running since ${holder.startedAt}` : '';
  if (holder.host && holder.host !== os.hostname()) {
    return `Another ${holder.command} (pid ${holder.pid} on host ${holder.host}${since}) is using ${file}: stop it there, or ${request.alternative}.`;
  }
  return `Another ${holder.command} (pid ${holder.pid}${since}) is using ${file}: stop it (Ctrl+C in its terminal, or kill -INT ${holder.pid}), or ${request.alternative}.`;
}

/** Takes the lock on a database file, or throws LockHeldError at once if another process holds it. */
export function acquireProcessLock(request: LockRequest): ProcessLock {
  const file = path.resolve(request.file);
  const lockFile = `${file}.lock`;
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const db = new Database(lockFile, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if (!isBusy(err)) throw err;
    const holder = currentHolder(lockFile);
    throw new LockHeldError(heldMessage(request, file, holder), file, holder, err);
  }
  const holder: LockHolder = { pid: process.pid, command: request.command, host: os.hostname(), startedAt: new Date().toISOString() };
  fs.writeFileSync(holderFileOf(lockFile), `${JSON.stringify(holder)}\n`);
  let released = false;
  return {
    file,
    release: () => {
      if (released) return;
      released = true;
      // Only this process's own note is removed: the next holder may have written its own already.
      if (readHolder(lockFile)?.pid === process.pid) fs.rmSync(holderFileOf(lockFile), { force: true });
      db.close();
    },
  };
}

/** Takes several locks in order, all or none. */
export function acquireProcessLocks(requests: readonly LockRequest[]): ProcessLock[] {
  const taken: ProcessLock[] = [];
  try {
    for (const request of requests) taken.push(acquireProcessLock(request));
  } catch (err) {
    for (const lock of taken.reverse()) lock.release();
    throw err;
  }
  return taken;
}
