import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, type OptionValues } from 'commander';
import { registerCompanionCommands } from '../../src/companion/cli';
import type { CommandIo } from '../../src/companion/commands/command-io';
import { envAction } from '../../src/companion/commands/env-options';
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

/**
 * The options a companion command's action gets from `argv` and the environment `env` (given as its
 * io.env), through commander and env-options.ts, without running the command.
 */
export async function parsedFlags(name: string, argv: string[], env: NodeJS.ProcessEnv): Promise<OptionValues> {
  const program = new Command('incident-sn').exitOverride();
  const io = (): CommandIo => captureIo(env);
  registerCompanionCommands(program, io);
  const command = program.commands.find((c) => c.name() === name);
  if (!command) throw new Error(`no companion command ${name}`);
  let flags: OptionValues | undefined;
  command.action(envAction(io, (parsed) => void (flags = parsed)));
  await program.parseAsync(['node', 'incident-sn', name, ...argv]);
  return flags!;
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
