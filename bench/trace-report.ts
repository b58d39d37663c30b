/**
 * The median time of each hop of the real-time path, from a timeline written with
 * INCIDENT_SN_LATENCY_TRACE (src/shared/latency-trace.ts): `bench/app-only.ts --trace` prints it, or
 * `npx tsx bench/trace-report.ts <trace file>`. Changes are sent one at a time, so each change is the
 * window from one `lg.patch.sent` to the next; in it, the first occurrence of each point counts (up
 * to `c.applied`). Points are listed in the order of their median time after the send; each hop is
 * the median over changes of (this point − the point it follows from: CAUSE, or else the point listed
 * before it).
 */
import fs from 'node:fs';
import { percentile } from './lib/results';

/** The point each point follows from, where that is not simply the one before it in time. */
const CAUSE: Record<string, string> = {
  'c.push.answered': 'c.stored',
  'h.response.headers': 'c.push.answered',
  'h.answered': 'h.response.headers',
  'w.answer.read': 'h.answered',
  'w.job.done': 'w.answer.read',
  'c.claimed': 'c.claim.start',
};

export function traceReport(file: string): string {
  const points = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ns, , label] = line.split(' ');
      return { at: Number(BigInt(ns!)) / 1e6, label: label! };
    })
    .sort((a, b) => a.at - b.at);
  const windows: Array<Map<string, number>> = [];
  let current: Map<string, number> | null = null;
  for (const p of points) {
    if (p.label === 'lg.patch.sent') {
      current = new Map([[p.label, p.at]]);
      windows.push(current);
    } else if (current && !current.has(p.label)) current.set(p.label, p.at);
  }
  // The last window runs into whatever came after the loop: left out.
  const complete = windows.slice(0, -1).filter((w) => w.has('c.applied'));
  if (complete.length === 0) return 'no complete change in the timeline\n';
  const offsets = new Map<string, number[]>();
  for (const w of complete) {
    const sent = w.get('lg.patch.sent')!;
    const applied = w.get('c.applied')!;
    for (const [label, at] of w) {
      if (at > applied) continue;
      const list = offsets.get(label) ?? [];
      list.push(at - sent);
      offsets.set(label, list);
    }
  }
  const order = [...offsets.entries()]
    .filter(([, list]) => list.length >= complete.length / 2)
    .map(([label, list]) => ({ label, median: percentile(list, 0.5), count: list.length }))
    .sort((a, b) => a.median - b.median);
  const lines = [`${complete.length} changes; point, median ms after the PATCH was sent, median hop from the point it follows (p90), changes seen`];
  let previous: string | null = null;
  for (const { label, median, count } of order) {
    let hop = '';
    if (previous) {
      const before = CAUSE[label] ?? previous;
      const deltas = complete.filter((w) => w.has(label) && w.has(before)).map((w) => w.get(label)! - w.get(before)!);
      if (deltas.length) hop = `${percentile(deltas, 0.5).toFixed(2).padStart(7)} ms (${percentile(deltas, 0.9).toFixed(2)})`;
    }
    lines.push(`${label.padEnd(20)} ${median.toFixed(2).padStart(7)} ms ${hop.padEnd(22)} ${count}`);
    previous = label;
  }
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npx tsx bench/trace-report.ts <trace file>\n');
    process.exit(2);
  }
  process.stdout.write(traceReport(file));
}
