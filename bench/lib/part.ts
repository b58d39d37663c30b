import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Each part of the benchmark (the local instance, the companion, the load generator, the bare
 * reference server, the catalog importer) runs in its own Node process, started by the
 * orchestrator and driven over the IPC channel: `call(method, ...args)` answers with the handler's
 * result; a part may also `notify(event, data)` the orchestrator at any time.
 */

interface CallMessage {
  id: number;
  method: string;
  args: unknown[];
}
interface ReplyMessage {
  id: number;
  result?: unknown;
  error?: string;
}
interface EventMessage {
  event: string;
  data: unknown;
}

export type Handlers = Record<string, (...args: never[]) => unknown>;

/** In a part: answers the orchestrator's calls with these handlers. */
export function servePart(handlers: Handlers): void {
  if (!process.send) throw new Error('a benchmark part runs under the orchestrator (npm run bench), not on its own');
  // `ready` answers once the part's modules are loaded (PartGroup.ready).
  const all: Handlers = { ready: () => true, ...handlers };
  process.on('message', (raw: CallMessage) => {
    const handler = all[raw.method] as ((...args: unknown[]) => unknown) | undefined;
    const reply = (message: ReplyMessage) => process.send?.(message);
    if (!handler) {
      reply({ id: raw.id, error: `no method ${raw.method}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(...raw.args))
      .then(
        (result) => reply({ id: raw.id, result: result ?? null }),
        (err: unknown) => reply({ id: raw.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
  // The orchestrator gone (even by kill -9): stop too.
  process.on('disconnect', () => process.exit(0));
}

/** In a part: an event for the orchestrator. */
export function notify(event: string, data: unknown): void {
  process.send?.({ event, data } satisfies EventMessage);
}

/** A monotonic clock shared by every process of the machine (CLOCK_MONOTONIC), in ms. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface Part {
  name: string;
  pid: number;
  child: ChildProcess;
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  on(event: string, listener: (data: unknown) => void): void;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `bench/parts/<file>` in a new Node process (TypeScript through tsx). */
export function startPart(file: string, options: { name?: string; execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): Part {
  const child = fork(path.join(__dirname, '..', 'parts', file), [], {
    execArgv: ['-r', 'tsx/cjs', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const name = options.name ?? file;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  const listeners = new Map<string, Array<(data: unknown) => void>>();
  child.on('message', (message: ReplyMessage | EventMessage) => {
    if ('event' in message) {
      for (const l of listeners.get(message.event) ?? []) l(message.data);
      return;
    }
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(`${name}.${waiter.method}: ${message.error}`));
    else waiter.resolve(message.result);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      for (const [, w] of pending) w.reject(new Error(`${name} exited (code ${code}) during ${w.method}`));
      pending.clear();
      resolve(code);
    });
  });
  return {
    name,
    pid: child.pid ?? -1,
    child,
    exited,
    call<T>(method: string, ...args: unknown[]): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
        child.send({ id, method, args } satisfies CallMessage);
      });
    },
    on(event, listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A part to start: its file under bench/parts and its name in logs and errors. */
export interface PartSpec {
  file: string;
  name: string;
}

/** The parts of one run: started in a temporary folder of their own, stopped and removed together. */
export interface PartGroup {
  dir: string;
  parts: Part[];
  start(file: string, name: string, execArgv?: string[]): Part;
  /**
   * Forks parts now for a later `start` of the same file and name, which then returns them: their
   * module loading (seconds each) overlaps the rest of the start-up instead of each later section's
   * beginning. Only for parts whose process start is not measured.
   */
  prespawn(parts: PartSpec[]): void;
  /** Resolves when every part forked by `prespawn` has loaded. */
  ready(): Promise<void>;
  /** Stops every part (SIGTERM, SIGKILL after `graceMs`) and removes the folder. */
  stop(graceMs: number): Promise<void>;
}

export function partGroup(prefix: string): PartGroup {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const parts: Part[] = [];
  const spawned = new Map<string, Part>();
  const key = (file: string, name: string) => `${file}\n${name}`;
  return {
    dir,
    parts,
    start(file, name, execArgv = []) {
      const early = execArgv.length === 0 ? spawned.get(key(file, name)) : undefined;
      if (early) {
        spawned.delete(key(file, name));
        return early;
      }
      const part = startPart(file, { name, execArgv });
      parts.push(part);
      return part;
    },
    prespawn(list) {
      for (const { file, name } of list) {
        const part = startPart(file, { name });
        parts.push(part);
        spawned.set(key(file, name), part);
      }
    },
    async ready() {
      await Promise.all([...spawned.values()].map((p) => p.call('ready')));
    },
    async stop(graceMs) {
      await Promise.all(parts.map((p) => p.stop(graceMs)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
