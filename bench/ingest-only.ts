/**
 * `node -r tsx/cjs bench/ingest-only.ts [seconds] [--cpu-prof] [--history=N]`: only the ingest figure of the
 * benchmark (signed pushes over the 100 incidents against the companion's webhook, over the bare
 * fastify endpoint), each part in its own process as in bench/run.ts. For profiling the webhook's
 * hot path: `--cpu-prof` writes the companion's CPU profile to bench/.profiles/; `--history=N` then
 * measures the same load again after N finished events of one incident (ingest_after_history_ratio).
 */
import os from 'node:os';
import path from 'node:path';
import { buildAppIfStale } from '../src/shared/build-app';
import { partGroup } from './lib/part';

async function main(): Promise<void> {
  const seconds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 4);
  const profile = process.argv.includes('--cpu-prof');
  await buildAppIfStale();
  const group = partGroup('incident-sn-ingest-');
  const { dir } = group;
  const start = (file: string, name: string, execArgv: string[] = []) => group.start(file, name, execArgv);
  try {
    const bare = start('bare-part.ts', 'references');
    const loadgen = start('loadgen-part.ts', 'load generator');
    const instance = start('instance-part.ts', 'instance (app)');
    const profileDir = path.join(__dirname, '.profiles');
    const companion = start('companion-part.ts', 'companion', profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
    const storeFile = path.join(dir, 'companion.db');
    const [refs, app, started] = await Promise.all([
      bare.call<{ bareUrl: string }>('start'),
      instance.call<{ url: string }>('start', { app: true }),
      companion.call<{ url: string }>('start', { storeFile, port: 0 }),
    ]);
    await companion.call('connect', { instanceUrl: app.url, storeFile });
    const incidents = await loadgen.call<Array<{ sysId: string; number: string }>>('declareIncidents', { companionUrl: started.url, count: 100, timeoutMs: 120_000 });
    const secret = await companion.call<string>('signingSecret');
    const refs100 = incidents.map((i) => ({ sysId: i.sysId, number: i.number }));
    const ingest = (url: string, firstSequence: number) =>
      loadgen.call<{ perSecond: number; total: number; non2xx: number; errors: number; p50: number; p99: number }>('ingest', { url, secret, incidents: refs100, firstSequence, seconds, connections: 8 });
    await ingest(refs.bareUrl, 10_000);
    const bareRun = await ingest(refs.bareUrl, 10_000);
    const cpuBefore = await companion.call<number>('cpuUsage');
    const run = await ingest(started.url, 20_000);
    const cpuReceived = await companion.call<number>('cpuUsage');
    // The companion's CPU per push, received and applied: less sensitive to the machine's load than pushes/s.
    const drainStarted = Date.now();
    for (;;) {
      const { inbound } = await companion.call<{ inbound: Record<string, number> }>('counts');
      if ((inbound.pending ?? 0) + (inbound.processing ?? 0) === 0 || Date.now() - drainStarted > 120_000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const cpuApplied = await companion.call<number>('cpuUsage');
    const stored = run.total - run.non2xx;
    process.stdout.write(
      `companion CPU per push: ${((cpuReceived - cpuBefore) / stored).toFixed(0)} us during the run, ` +
        `${((cpuApplied - cpuBefore) / stored).toFixed(0)} us with every push applied (${((Date.now() - drainStarted) / 1000).toFixed(1)} s after the run)\n`,
    );
    process.stdout.write(
      `load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n` +
        `bare      ${bareRun.perSecond.toFixed(0)} pushes/s (p50 ${bareRun.p50} ms)\n` +
        `companion ${run.perSecond.toFixed(0)} pushes/s (p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.non2xx} non-2xx, ${run.errors} errors)\n` +
        `ratio     ${(run.perSecond / bareRun.perSecond).toFixed(3)}\n`,
    );
    await companion.call('stop').catch(() => undefined);
    await companion.exited;
    const history = Number(process.argv.find((a) => a.startsWith('--history='))?.slice('--history='.length) ?? 0);
    if (history > 0) {
      // As bench/run.ts: finished events of one incident stored while the companion is stopped, then the same load.
      const seeder = start('history-part.ts', 'history seeder');
      await seeder.call('seed', { storeFile, sysId: incidents[0]!.sysId, number: incidents[0]!.number, count: history });
      await seeder.stop();
      const again = start('companion-part.ts', 'companion (after history)');
      const restarted = await again.call<{ url: string }>('start', { storeFile, port: 0 });
      const after = await ingest(restarted.url, 1_000_000);
      process.stdout.write(`after ${history} events of one incident: ${after.perSecond.toFixed(0)} pushes/s (p50 ${after.p50} ms), ratio ${(after.perSecond / run.perSecond).toFixed(3)}\n`);
    }
  } finally {
    await group.stop(5_000);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
