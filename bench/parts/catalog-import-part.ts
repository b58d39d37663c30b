import fs from 'node:fs';
import v8 from 'node:v8';
import { tuneHeapForImport } from '../../src/companion/catalog/import-heap';
import { runImportCatalog } from '../../src/companion/catalog/run-import-catalog';
import { openSqliteStore, Secret } from '../../src/companion/store';
import { ACCOUNTS, CONNECTION_NAME, OAUTH_CLIENT } from '../fixtures/accounts';
import { monotonicMs, servePart } from '../lib/part';

/**
 * `incident-sn import-catalog` in its own process, through the command's own code: its rows per
 * second, and the process's peak resident memory (VmHWM from /proc/self/status) at the end.
 */

const MB = 1024 * 1024;

function peakRssMb(): number | null {
  try {
    const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.replace(/\D+/g, '')) / 1024 : null;
  } catch {
    return null;
  }
}

// As the import-catalog command does in its own process.
tuneHeapForImport();

servePart({
  /** Stores a polling connection to the instance as the service account (what connect would store). */
  async prepare(options: { storeFile: string; instanceUrl: string }) {
    const store = await openSqliteStore({ file: options.storeFile, env: {} });
    try {
      await store.saveConnection({
        name: CONNECTION_NAME,
        instanceUrl: options.instanceUrl,
        mode: 'polling',
        clientId: OAUTH_CLIENT.id,
        clientSecret: new Secret(OAUTH_CLIENT.secret),
        username: ACCOUNTS.svc.user,
        password: new Secret(ACCOUNTS.svc.password),
        publicUrl: 'http://127.0.0.1:3000',
        signingSecret: null,
        integrationUser: ACCOUNTS.svc.user,
      });
    } finally {
      await store.close();
    }
    return null;
  },

  async importCatalog(options: { storeFile: string }) {
    let out = '';
    // Where the memory is, sampled while the import runs: the V8 heap, and what lives outside it
    // (external: Buffers and ArrayBuffers, which the HTTP client's bodies are).
    const peak: Record<string, number> = { heapUsedMb: 0, heapTotalMb: 0, externalMb: 0, arrayBuffersMb: 0, rssMb: 0 };
    const sample = () => {
      // Each V8 space's size, to tell large objects (whole page bodies) from promoted small ones.
      for (const space of v8.getHeapSpaceStatistics()) {
        const key = `${space.space_name.replace(/_space$/, '')}Mb`;
        peak[key] = Math.max(peak[key] ?? 0, space.space_size / MB);
      }
      const m = process.memoryUsage();
      peak.heapUsedMb = Math.max(peak.heapUsedMb, m.heapUsed / MB);
      peak.heapTotalMb = Math.max(peak.heapTotalMb, m.heapTotal / MB);
      peak.externalMb = Math.max(peak.externalMb, m.external / MB);
      peak.arrayBuffersMb = Math.max(peak.arrayBuffersMb, m.arrayBuffers / MB);
      peak.rssMb = Math.max(peak.rssMb, m.rss / MB);
    };
    const sampler = setInterval(sample, 100);
    const start = monotonicMs();
    const cpuBefore = process.cpuUsage();
    const outcome = await runImportCatalog({ db: options.storeFile, name: CONNECTION_NAME, json: true }, { stdout: (t) => (out += t), stderr: (t) => (out += t), env: {} }).finally(() => clearInterval(sampler));
    const seconds = (monotonicMs() - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    if (outcome.exitCode !== 0 || !outcome.results) throw new Error(`import-catalog failed (exit ${outcome.exitCode}): ${out.slice(0, 500)}`);
    const cmdb = outcome.results.tables.find((t) => t.table === 'cmdb_ci');
    return { seconds, cmdbRows: cmdb?.fetched ?? 0, cmdbSeconds: (cmdb?.durationMs ?? 0) / 1000, rows: outcome.results.tables.reduce((n, t) => n + t.fetched, 0), peakRssMb: peakRssMb(), peak, cpuSeconds: { user: cpu.user / 1e6, system: cpu.system / 1e6 } };
  },
});

// Stopped by the orchestrator: exit normally, so that a `--cpu-prof` profile is written.
process.once('SIGTERM', () => process.exit(0));
