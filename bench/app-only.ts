/**
 * `node -r tsx/cjs bench/app-only.ts [iterations] [--incidents=N] [--cpu-prof] [--trace]`: only the app's figures
 * of the benchmark, each part in its own process as in bench/run.ts: `realtime_latency_p50_ms` and
 * `_p99_ms` (a ServiceNow PATCH until the companion applied it, one at a time, over the loopback
 * floor) and `app_write_overhead_ratio` (the same PATCH of a synced field, the instance with the app
 * over one without, interleaved, in 6 rounds of iterations/5 pairs as bench/lib/write-overhead.ts). `--cpu-prof` writes the app instance's CPU profile to bench/.profiles/.
 * `--trace` records the real-time path's timeline in every part (src/shared/latency-trace.ts) and
 * prints the median of each hop (bench/trace-report.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildAppIfStale } from '../src/shared/build-app';
import type { IncidentRef } from './fixtures/pushes';
import { partGroup } from './lib/part';
import { percentile } from './lib/results';
import { reportIfSlow } from './lib/outbox-report';
import { measureWriteOverhead } from './lib/write-overhead';
import { AppliedLog } from './run';
import { traceReport } from './trace-report';
import { LATENCY_TRACE_ENV } from '../src/shared/latency-trace';

async function main(): Promise<void> {
  const iterations = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100);
  const incidentCount = Number(process.argv.find((a) => a.startsWith('--incidents='))?.slice('--incidents='.length) ?? 100);
  const profile = process.argv.includes('--cpu-prof');
  const traceFile = process.argv.includes('--trace') ? path.join(os.tmpdir(), `incident-sn-trace-${process.pid}.txt`) : null;
  // The parts inherit the environment: each traces its own points into the one file.
  if (traceFile) process.env[LATENCY_TRACE_ENV] = traceFile;
  await buildAppIfStale();
  const group = partGroup('incident-sn-app-');
  try {
    const bare = group.start('bare-part.ts', 'references');
    const loadgen = group.start('loadgen-part.ts', 'load generator');
    const profileDir = path.join(__dirname, '.profiles');
    const appInstance = group.start('instance-part.ts', 'instance (app)', profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
    const plainInstance = group.start('instance-part.ts', 'instance (no app)');
    const companion = group.start('companion-part.ts', 'companion');
    const applied = new AppliedLog();
    applied.watch(companion);
    const storeFile = path.join(group.dir, 'companion.db');
    const [refs, app, plain, started] = await Promise.all([
      bare.call<{ floorUrl: string }>('start'),
      appInstance.call<{ url: string }>('start', { app: true }),
      plainInstance.call<{ url: string }>('start', { app: false }),
      companion.call<{ url: string }>('start', { storeFile, port: 0 }),
    ]);
    const connected = await companion.call<{ mode: string }>('connect', { instanceUrl: app.url, storeFile });
    if (connected.mode !== 'realtime') throw new Error(`expected a real-time connection, got ${connected.mode}`);
    const incidents = await loadgen.call<Array<{ id: string; sysId: string }>>('declareIncidents', { companionUrl: started.url, count: incidentCount, timeoutMs: 180_000 });
    await applied.quiet(1_000, 30_000);

    const floor = await loadgen.call<number[]>('floor', { url: refs.floorUrl, iterations });
    const latencies: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const expected = applied.times.length + 1;
      const { sentAt } = await loadgen.call<{ sentAt: number }>('patchIncident', { instanceUrl: app.url, sysId: incidents[i % incidents.length]!.sysId, values: { short_description: `latency ${i}` } });
      latencies.push((await applied.nth(expected, 30_000)) - sentAt);
    }
    const plainIncidents = await plainInstance.call<IncidentRef[]>('createIncidents', incidentCount);
    // As bench/run.ts: rounds of interleaved pairs, each from a settled companion.
    let appliedExpected = applied.times.length;
    const overhead = await measureWriteOverhead({
      loadgen,
      withApp: { instanceUrl: app.url, sysIds: incidents.map((i) => i.sysId) },
      withoutApp: { instanceUrl: plain.url, sysIds: plainIncidents.map((i) => i.sysId) },
      rounds: 6,
      pairs: Math.max(1, Math.round(iterations / 5)),
      warmUp: 10,
      field: 'short_description',
      settle: async (changes) => {
        appliedExpected += changes;
        const settling = Date.now();
        const arrived = reportIfSlow(app.url, (line) => console.log(`write overhead round: ${line}`));
        await applied.nth(appliedExpected, 120_000).catch(() => undefined);
        arrived();
        if (Date.now() - settling > 2_000) console.log(`write overhead round: applied in ${((Date.now() - settling) / 1000).toFixed(1)} s`);
        await applied.quiet(1_000, 30_000);
      },
      log: () => undefined,
    });
    const floorP50 = percentile(floor, 0.5);
    const p50 = percentile(latencies, 0.5);
    const ms = (n: number) => `${n.toFixed(2)} ms`;
    process.stdout.write(
      `load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${iterations} iterations, ${incidentCount} incidents\n` +
        `floor p50            ${ms(floorP50)}\n` +
        `realtime p50         ${ms(p50)} (${(p50 / floorP50).toFixed(1)}× the floor; target ≤ 10×)\n` +
        `realtime p99         ${ms(percentile(latencies, 0.99))} (target < 100 ms)\n` +
        `PATCH p50 app/no app ${ms(overhead.withAppMedian)} / ${ms(overhead.withoutAppMedian)} = ${overhead.ratio.toFixed(2)}× (target ≤ 1.5×; 6 rounds, each ${overhead.roundRatios.map((r) => r.toFixed(2)).join(' ')})\n`,
    );
    if (traceFile) {
      process.stdout.write(`timeline (${traceFile}):\n${traceReport(traceFile)}`);
      fs.rmSync(traceFile, { force: true });
    }
    await Promise.all([appInstance, plainInstance, companion].map((p) => p.call('stop').catch(() => undefined)));
  } finally {
    await group.stop(5_000);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
