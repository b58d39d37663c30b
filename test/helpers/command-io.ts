import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandIo } from '../../src/companion/commands/command-io';
import type { ServiceNowConnectionOptions } from '../../src/companion/client';

/** A CommandIo that records what a command prints; off a terminal unless `answers` are given. */
export interface CapturedIo extends CommandIo {
  out: () => string;
  err: () => string;
}

export function captureIo(env: NodeJS.ProcessEnv = {}, answers?: string[]): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const io: CapturedIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env,
    out: () => out.join(''),
    err: () => err.join(''),
  };
  if (answers) io.promptSecret = async () => answers.shift() ?? '';
  return io;
}

/** A temporary folder for a companion database (and its key file); removed by the returned function. */
export function tempDataDir(): { dir: string; db: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-companion-'));
  return { dir, db: path.join(dir, 'companion.db'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Client settings for tests: no waiting between retries, short timeouts. */
export const FAST_CLIENT: Partial<ServiceNowConnectionOptions> = {
  connectTimeoutMs: 2_000,
  requestTimeoutMs: 5_000,
  retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 2_000 },
  rateLimit: { maxWaitMs: 0, maxRetries: 0 },
};
