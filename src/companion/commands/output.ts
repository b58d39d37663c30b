import { describeError, IncidentSnError } from '../../shared/errors';
import type { CheckResult, CheckRun, NotRunCheck } from './check-runner';
import type { CommandIo } from './command-io';

/**
 * How commands print: a line per check as it completes (`✔ …` / `✘ … — fix: …`), the checks that
 * did not run, and a summary; or, with --json, only JSON on stdout.
 */

const PASS = '✔';
const FAIL = '✘';
const SKIPPED = '–';

function indentContinuation(text: string): string {
  return text.replace(/\n/g, '\n  ');
}

export function checkLine(result: CheckResult): string {
  return `${result.ok ? PASS : FAIL} ${indentContinuation(result.message)}`;
}

export function notRunLine(check: NotRunCheck): string {
  return `${SKIPPED} ${check.title}: ${check.reason}`;
}

/** Prints each result as it arrives, unless the output is JSON. */
export function lineWriter(io: CommandIo, json: boolean): (result: CheckResult) => void {
  return (result) => {
    if (!json) io.stdout(`${checkLine(result)}\n`);
  };
}

export function printNotRun(io: CommandIo, run: CheckRun, json: boolean): void {
  if (json) return;
  for (const check of run.notRun) io.stdout(`${notRunLine(check)}\n`);
}

/** "4 of 6 checks passed, 1 failed, 1 not run". */
export function tally(run: CheckRun): string {
  const passed = run.results.filter((r) => r.ok).length;
  const failed = run.results.length - passed;
  const total = run.results.length + run.notRun.length;
  const parts = [`${passed} of ${total} checks passed`];
  if (failed > 0) parts.push(`${failed} failed`);
  if (run.notRun.length > 0) parts.push(`${run.notRun.length} not run`);
  return parts.join(', ');
}

export function printJson(io: CommandIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** A command that could not run at all: one message (or `{"error": …}` with --json). */
export function printCommandError(io: CommandIo, err: unknown, json: boolean): void {
  const code = err instanceof IncidentSnError ? err.code : 'unexpected_error';
  const message = describeError(err);
  if (json) printJson(io, { error: { code, message } });
  else io.stderr(`${FAIL} ${message}\n`);
}
