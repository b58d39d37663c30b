/**
 * `node -r tsx/cjs bench/catalog-only.ts [CIs] [--cpu-prof] [--node-flag=<flag>…]`: only the catalog
 * figures of the benchmark (raw paging of the CMDB vs `import-catalog` of the same pages, at the
 * importer's page size, and the importer's peak RSS), each part in its own process as in bench/run.ts. `--cpu-prof` writes the
 * CPU profiles of the importer and of the instance serving the pages (and the raw paging's load
 * generator) to bench/.profiles/; `--node-flag=--trace-gc` (for example) is given to the importer's
 * process only.
 */
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CATALOG_PAGE_SIZE } from '../src/companion/catalog/import-catalog';
import { partGroup } from './lib/part';

async function main(): Promise<void> {
  const rows = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20_000);
  const profile = process.argv.includes('--cpu-prof');
  const group = partGroup('incident-sn-catalog-');
  const { dir } = group;
  const start = (file: string, name: string, execArgv: string[] = []) => group.start(file, name, execArgv);
  try {
    const profiled = (name: string) => (profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(__dirname, '.profiles')}`, `--cpu-prof-name=${name}-${process.pid}.cpuprofile`] : []);
    const loadgen = start('loadgen-part.ts', 'load generator', profiled('loadgen'));
    const instance = start('instance-part.ts', 'instance (catalog)', profiled('instance'));
    const { url } = await instance.call<{ url: string }>('start', { app: false, scheduler: false });
    await instance.call('insertConfigurationItems', rows);
    const raw = await loadgen.call<{ rows: number; seconds: number }>('rawPaging', { instanceUrl: url, pageSize: DEFAULT_CATALOG_PAGE_SIZE });
    const nodeFlags = process.argv.filter((a) => a.startsWith('--node-flag=')).map((a) => a.slice('--node-flag='.length));
    const importer = start('catalog-import-part.ts', 'import-catalog', [...profiled('importer'), ...nodeFlags]);
    const storeFile = path.join(dir, 'catalog.db');
    await importer.call('prepare', { storeFile, instanceUrl: url });
    const imported = await importer.call<{ cmdbRows: number; cmdbSeconds: number; peakRssMb: number | null; peak: Record<string, number>; cpuSeconds: { user: number; system: number } }>('importCatalog', { storeFile });
    await importer.stop();
    const rawRate = raw.rows / raw.seconds;
    const importRate = imported.cmdbRows / imported.cmdbSeconds;
    process.stdout.write(
      `load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n` +
        `raw paging ${rawRate.toFixed(0)} rows/s (${raw.rows} rows)\n` +
        `import     ${importRate.toFixed(0)} rows/s (${imported.cmdbRows} rows), peak RSS ${imported.peakRssMb?.toFixed(1) ?? '?'} MB\n` +
        `importer CPU ${imported.cpuSeconds.user.toFixed(2)} s user + ${imported.cpuSeconds.system.toFixed(2)} s system (whole import, every table)\n` +
        `ratio      ${(importRate / rawRate).toFixed(3)}\n` +
        `importer's sampled peaks (MB): ${Object.entries(imported.peak).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}\n`,
    );
  } finally {
    await group.stop(5_000);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
