/**
 * SIGINT and SIGTERM for a long-running command: the first starts a clean stop; a second one a
 * moment later is the same stop delivered twice (Ctrl+C reaches node from the terminal and again
 * from npm, which passes signals on to its script) and is ignored; one sent later than that means
 * "do not wait": the process exits at once.
 */

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Signals this close together count as one. */
export const REPEAT_WINDOW_MS = 1000;

export interface StopSignalOptions {
  /** Starts the clean stop. */
  stop: (signal: NodeJS.Signals) => void;
  /** Called instead of waiting when a second signal comes later. Default: process.exit(130). */
  force?: (signal: NodeJS.Signals) => void;
  nowMs?: () => number;
  /** The process to listen on (tests pass an EventEmitter). */
  target?: Pick<NodeJS.Process, 'on' | 'removeListener'>;
}

/** Listens for SIGINT and SIGTERM; returns a function that stops listening. */
export function onStopSignals(options: StopSignalOptions): () => void {
  const target = options.target ?? process;
  const nowMs = options.nowMs ?? Date.now;
  const force =
    options.force ??
    ((signal: NodeJS.Signals) => {
      process.stderr.write(`${signal} again: exiting without waiting.\n`);
      process.exit(130);
    });
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (firstAt === undefined) {
      firstAt = nowMs();
      options.stop(signal);
    } else if (nowMs() - firstAt >= REPEAT_WINDOW_MS) {
      force(signal);
    }
  };
  for (const signal of STOP_SIGNALS) target.on(signal, handler);
  return () => {
    for (const signal of STOP_SIGNALS) target.removeListener(signal, handler);
  };
}
