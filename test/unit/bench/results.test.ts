import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIGURE_NAMES, figure, percentile, resultsProblems, resultsTable, writeResults, type Results } from '../../../bench/lib/results';

/** bench/results.json: the format the issue fixes, every figure present, nothing else than numbers or null. */

function complete(): Results {
  const results: Results = {};
  FIGURE_NAMES.forEach((name, i) => {
    results[name] = figure({ value: i + 0.12345, unit: 'ms', reference: i === 0 ? null : 1, ratio: i === 0 ? null : i + 0.12345, target: `target ${i}`, met: i % 2 === 0 });
  });
  return results;
}

describe('bench results', () => {
  it('writes every figure as {value, unit, reference, ratio, target, met}, in the order of the table', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-results-'));
    try {
      const file = path.join(dir, 'results.json');
      writeResults(file, complete());
      const written = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
      expect(Object.keys(written)).toEqual([...FIGURE_NAMES]);
      expect(resultsProblems(written)).toEqual([]);
      expect(written.realtime_latency_p50_ms).toEqual({ value: 1.123, unit: 'ms', reference: 1, ratio: 1.123, target: 'target 1', met: false });
      expect(written.http_floor_p50_ms).toMatchObject({ reference: null, ratio: null, met: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to write results that are incomplete or malformed, saying what is wrong', () => {
    const missing = complete();
    delete missing.crash_recovery_s;
    expect(() => writeResults(path.join(os.tmpdir(), 'never-written.json'), missing)).toThrow('crash_recovery_s is missing');
    const bad = complete() as unknown as Record<string, Record<string, unknown>>;
    bad.app_db_ops_per_change!.value = Number.NaN;
    bad.backlog_drain_ratio!.met = 'yes';
    delete bad.ingest_events_per_s!.unit;
    expect(resultsProblems(bad)).toEqual([
      'ingest_events_per_s has keys met,ratio,reference,target,value; expected met, ratio, reference, target, unit, value',
      'ingest_events_per_s.unit and .target must be strings (target not empty)',
      'app_db_ops_per_change.value must be a finite number or null',
      'backlog_drain_ratio.met must be true or false',
    ]);
    expect(resultsProblems([])).toEqual(['results must be an object keyed by figure name']);
  });

  it('prints a Markdown table with a row per figure, missed targets in bold', () => {
    const table = resultsTable(complete()).split('\n');
    expect(table).toHaveLength(2 + FIGURE_NAMES.length);
    expect(table[3]).toContain('| realtime_latency_p50_ms | 1.12 ms | 1 | 1.12 | target 1 | **no** |');
    expect(table[2]).toContain('| http_floor_p50_ms | 0.12 ms | — | — | target 0 | yes |');
  });

  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 0.5)).toBe(50);
    expect(percentile(samples, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(() => percentile([], 0.5)).toThrow('no samples');
  });
});
