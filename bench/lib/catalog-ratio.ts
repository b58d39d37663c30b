import fs from 'node:fs';
import path from 'node:path';
import { abbaOrder, ratioOfMedians } from './alternate';
import type { Part, PartGroup } from './part';

/**
 * `catalog_import_rows_per_s` and `catalog_import_peak_rss_mb`, measured so that one run settles
 * them: raw paging of the CMDB and `import-catalog` of the same pages taken in turns, ABBA (raw,
 * import, import, raw, raw, import, import, raw: an even number of rounds, bench/lib/alternate.ts),
 * against one seeded instance, after one untimed raw paging. Each import runs in a process
 * of its own (as the command does) into a fresh store; its peak RSS is that process's VmHWM, and
 * the figure's the highest of them. The rate is the ratio of the medians; each round's own ratio
 * gives the spread within the run.
 */

export interface CatalogRatioOptions {
  group: PartGroup;
  loadgen: Part;
  /** An instance holding the CIs, its scheduler off. */
  instanceUrl: string;
  /** Runs of each (at least 1; even, see bench/lib/alternate.ts). */
  rounds: number;
  pageSize: number;
  log(message: string): void;
}

export interface CatalogRatio {
  ratio: number;
  rawMedian: number;
  importMedian: number;
  /** import / raw of each round (one run of each). */
  roundRatios: number[];
  /** The highest VmHWM of the importing processes, MB (null where /proc is not there). */
  peakRssMb: number | null;
  rows: number;
}

export async function measureCatalogRatio(o: CatalogRatioOptions): Promise<CatalogRatio> {
  if (o.rounds < 1) throw new Error('at least one round');
  const rawRates: number[] = [];
  const importRates: number[] = [];
  const peaks: Array<number | null> = [];
  const rows = new Set<number>();
  // The instance's first pass over the table is its slowest (code not yet optimised): untimed, so
  // that no side gets a cold instance (the import runs cold in its own process, as the command does).
  const first = await o.loadgen.call<{ rows: number; seconds: number }>('rawPaging', { instanceUrl: o.instanceUrl, pageSize: o.pageSize });
  o.log(`catalog: untimed first raw paging ${(first.rows / first.seconds).toFixed(0)} rows/s`);
  let n = 0;
  for (const side of abbaOrder('raw' as const, 'import' as const, o.rounds)) {
    n++;
    if (side === 'raw') {
      const raw = await o.loadgen.call<{ rows: number; seconds: number }>('rawPaging', { instanceUrl: o.instanceUrl, pageSize: o.pageSize });
      rawRates.push(raw.rows / raw.seconds);
      rows.add(raw.rows);
      o.log(`catalog: run ${n}, raw paging ${(raw.rows / raw.seconds).toFixed(0)} rows/s (${raw.rows} rows)`);
      continue;
    }
    const importer = o.group.start('catalog-import-part.ts', `import-catalog ${n}`);
    const storeFile = path.join(o.group.dir, `catalog-${n}.db`);
    try {
      await importer.call('prepare', { storeFile, instanceUrl: o.instanceUrl });
      const imported = await importer.call<{ cmdbRows: number; cmdbSeconds: number; peakRssMb: number | null }>('importCatalog', { storeFile });
      importRates.push(imported.cmdbRows / imported.cmdbSeconds);
      peaks.push(imported.peakRssMb);
      rows.add(imported.cmdbRows);
      o.log(`catalog: run ${n}, import ${(imported.cmdbRows / imported.cmdbSeconds).toFixed(0)} rows/s (${imported.cmdbRows} rows), peak RSS ${imported.peakRssMb?.toFixed(1) ?? '?'} MB`);
    } finally {
      await importer.stop();
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(storeFile + suffix, { force: true });
    }
  }
  if (rows.size !== 1) throw new Error(`the runs did not all read the same CIs (${[...rows].join(', ')} rows)`);
  const { ratio, overMedian, underMedian, roundRatios } = ratioOfMedians(importRates, rawRates);
  const known = peaks.filter((p): p is number => p !== null);
  return { ratio, rawMedian: underMedian, importMedian: overMedian, roundRatios, peakRssMb: known.length === peaks.length ? Math.max(...known) : null, rows: [...rows][0]! };
}
