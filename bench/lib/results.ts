import fs from 'node:fs';

/**
 * bench/results.json: one entry per figure,
 * `{"<name>": {"value": n, "unit": "…", "reference": n | null, "ratio": n | null, "target": "…", "met": true | false}}`.
 */

export interface Figure {
  value: number | null;
  unit: string;
  reference: number | null;
  ratio: number | null;
  target: string;
  met: boolean;
}

export type Results = Record<string, Figure>;

/** Every figure a run must report, in the order of the table. */
export const FIGURE_NAMES = [
  'http_floor_p50_ms',
  'realtime_latency_p50_ms',
  'realtime_latency_p99_ms',
  'polling_latency_p50_ms',
  'ingest_events_per_s',
  'ingest_durable_floor_events_per_s',
  'ingest_after_history_ratio',
  'catalog_import_rows_per_s',
  'catalog_import_peak_rss_mb',
  'app_write_overhead_ratio',
  'app_db_ops_per_change',
  'backlog_drain_ratio',
  'crash_recovery_s',
  'end_to_end_sqlite_incidents_per_s',
  'pg_ingest_1_replica_events_per_s',
  'pg_ingest_2_replicas_events_per_s',
  'pg_ingest_3_replicas_events_per_s',
  'pg_end_to_end_1_replica_incidents_per_s',
  'pg_end_to_end_2_replicas_incidents_per_s',
  'pg_end_to_end_3_replicas_incidents_per_s',
] as const;

export type FigureName = (typeof FIGURE_NAMES)[number];

const round = (v: number | null, digits = 3): number | null => (v === null || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));

export function figure(input: Figure): Figure {
  return { value: round(input.value), unit: input.unit, reference: round(input.reference), ratio: round(input.ratio), target: input.target, met: input.met };
}

/** What is wrong with a results object (empty when it is well-formed and complete). */
export function resultsProblems(results: unknown): string[] {
  const problems: string[] = [];
  if (typeof results !== 'object' || results === null || Array.isArray(results)) return ['results must be an object keyed by figure name'];
  const record = results as Record<string, unknown>;
  for (const name of FIGURE_NAMES) if (!(name in record)) problems.push(`${name} is missing`);
  for (const [name, raw] of Object.entries(record)) {
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`${name} is not an object`);
      continue;
    }
    const f = raw as Record<string, unknown>;
    const keys = Object.keys(f).sort().join(',');
    if (keys !== 'met,ratio,reference,target,unit,value') problems.push(`${name} has keys ${keys}; expected met, ratio, reference, target, unit, value`);
    for (const key of ['value', 'reference', 'ratio'] as const) {
      if (f[key] !== null && (typeof f[key] !== 'number' || !Number.isFinite(f[key]))) problems.push(`${name}.${key} must be a finite number or null`);
    }
    if (typeof f.unit !== 'string' || typeof f.target !== 'string' || f.target === '') problems.push(`${name}.unit and .target must be strings (target not empty)`);
    if (typeof f.met !== 'boolean') problems.push(`${name}.met must be true or false`);
  }
  return problems;
}

export function writeResults(file: string, results: Results): void {
  const problems = resultsProblems(results);
  if (problems.length > 0) throw new Error(`the results are not well-formed: ${problems.join('; ')}`);
  const ordered: Results = {};
  for (const name of FIGURE_NAMES) ordered[name] = results[name]!;
  for (const [name, f] of Object.entries(results)) if (!(name in ordered)) ordered[name] = f;
  fs.writeFileSync(file, `${JSON.stringify(ordered, null, 2)}\n`);
}

function show(v: number | null): string {
  if (v === null) return '—';
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(v === Math.round(v) ? 0 : 2);
}

/** The results as a Markdown table (what the run prints, and what the README shows). */
export function resultsTable(results: Results): string {
  const lines = ['| figure | value | reference | ratio | target | met |', '|---|---:|---:|---:|---|:---:|'];
  for (const [name, f] of Object.entries(results)) {
    lines.push(`| ${name} | ${show(f.value)} ${f.value === null ? '' : f.unit} | ${show(f.reference)} | ${f.ratio === null ? '—' : `${show(f.ratio)}`} | ${f.target} | ${f.met ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
}

/** Percentile (nearest rank) of samples. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
