import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

/**
 * An opt-in timeline of the real-time path, for the benchmark (`bench/app-only.ts --trace`): with
 * INCIDENT_SN_LATENCY_TRACE set to a file, every `tracePoint` appends one line
 * `<monotonic ns> <pid>/<thread> <label>` to it. The clock is CLOCK_MONOTONIC (process.hrtime), the
 * same in every process and thread of the machine, so points from the instance, its worker threads
 * and the companion line up. Off (the variable unset), a point is one comparison.
 */

export const LATENCY_TRACE_ENV = 'INCIDENT_SN_LATENCY_TRACE';

const file = process.env[LATENCY_TRACE_ENV] ?? '';

export const latencyTraceOn = file !== '';

export function tracePoint(label: string): void {
  if (!latencyTraceOn) return;
  appendFileSync(file, `${process.hrtime.bigint()} ${process.pid}/${threadId} ${label}\n`);
}
