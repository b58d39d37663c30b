/**
 * How a command talks to its caller, so the same code runs from the CLI and in-process in tests.
 */
export interface CommandIo {
  /** Writes to standard output (what --json prints goes only here). */
  stdout(text: string): void;
  /** Writes to standard error (prompts, progress). */
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Asks for a secret without echoing it. Absent when not on a terminal: then nothing is asked. */
  promptSecret?: (label: string) => Promise<string>;
}

/** What a command ends with: its exit status and, for tests and callers, what it found. */
export interface CommandOutcome<R> {
  exitCode: number;
  results: R;
}

/** Exit statuses: every check passed / something failed or needs attention / the command could not run. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
