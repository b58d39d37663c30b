/**
 * `node -r tsx/cjs bench/ingest-only.ts [seconds] [--cpu-prof] [--history=N [--rounds=R]]`: only the ingest figure of the
 * benchmark (signed pushes over the 100 incidents against the companion's webhook, over the bare
 * fastify endpoint; beside it the durable floor, that endpoint appending each body to a file and
 * answering after a group-committed fdatasync), each part in its own process as in bench/run.ts. For profiling the webhook's
 * hot path: `--cpu-prof` writes the companion's CPU profile to bench/.profiles/; `--history=N` then
 * measures ingest_after_history_ratio as bench/run.ts does (bench/lib/history-ratio.ts): R runs
 * (default 4) on a copy of the store and R on a copy given N finished events of one incident, alternated.
 */
import os from 'node:os';
import path from 'node:path';
import { buildAppIfStale } from '../src/shared/build-app';
import { HISTORY_REWARM_SECONDS, HISTORY_WARM_UP_SECONDS, measureHistoryRatio } from './lib/history-ratio';
import { partGroup } from './lib/part';
import type { ThreadCpu } from './lib/thread-cpu';

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
      bare.call<{ bareUrl: string; durableUrl: string }>('start', { durableFile: path.join(dir, 'durable-floor.log') }),
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
    const bareCpuBefore = await bare.call<number>('cpuUsage');
    const bareRun = await ingest(refs.bareUrl, 10_000);
    const bareCpu = (await bare.call<number>('cpuUsage')) - bareCpuBefore;
    await ingest(refs.durableUrl, 10_000);
    const durableRun = await ingest(refs.durableUrl, 10_000);
    const threadsBefore = await companion.call<ThreadCpu[]>('threadCpu');
    const cpuBefore = await companion.call<number>('cpuUsage');
    const run = await ingest(started.url, 20_000);
    const cpuReceived = await companion.call<number>('cpuUsage');
    const threadsReceived = await companion.call<ThreadCpu[]>('threadCpu');
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
    if (threadsReceived.length > 0) {
      // Per thread during the run (us per push, user+system): the event loop first, then V8's and libuv's helpers, then the worker threads in the order they started.
      const before = new Map(threadsBefore.map((t) => [t.tid, t]));
      const parts = threadsReceived
        .map((t) => ({ tid: t.tid, user: (t.user - (before.get(t.tid)?.user ?? 0)) / stored, system: (t.system - (before.get(t.tid)?.system ?? 0)) / stored }))
        .filter((t) => t.user + t.system > 0)
        .map((t) => `${t.tid}: ${t.user.toFixed(0)}+${t.system.toFixed(0)}`);
      process.stdout.write(`per thread during the run (us per push, user+system): ${parts.join(', ')}\n`);
    }
    process.stdout.write(
      `load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n` +
        `bare      ${bareRun.perSecond.toFixed(0)} pushes/s (p50 ${bareRun.p50} ms, ${(bareCpu / (bareRun.total - bareRun.non2xx)).toFixed(0)} us CPU per request)\n` +
        `durable   ${durableRun.perSecond.toFixed(0)} pushes/s (the bare endpoint appending each body to a file, answered after a group-committed fdatasync; p50 ${durableRun.p50} ms)\n` +
        `companion ${run.perSecond.toFixed(0)} pushes/s (p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.non2xx} non-2xx, ${run.errors} errors)\n` +
        `ratio     ${(run.perSecond / bareRun.perSecond).toFixed(3)} of the bare endpoint, ${(run.perSecond / durableRun.perSecond).toFixed(3)} of the durable floor\n`,
    );
    await companion.call('stop').catch(() => undefined);
    await companion.exited;
    const history = Number(process.argv.find((a) => a.startsWith('--history='))?.slice('--history='.length) ?? 0);
    if (history > 0) {
      // As bench/run.ts: the stopped companion's store copied twice, one copy given the history, runs alternated.
      const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 4);
      const h = await measureHistoryRatio({
        group,
        loadgen,
        sourceStore: storeFile,
        incidents: refs100,
        historyEvents: history,
        seconds,
        warmUpSeconds: HISTORY_WARM_UP_SECONDS,
        rewarmSeconds: HISTORY_REWARM_SECONDS,
        connections: 8,
        rounds,
        firstSequence: 1_000_000,
        drainTimeoutMs: 300_000,
        log: (m) => process.stdout.write(`${m}\n`),
      });
      process.stdout.write(
        `after ${history} events of one incident, ${rounds} runs each: new ${h.newMedian.toFixed(0)}, history ${h.historyMedian.toFixed(0)} pushes/s (medians); ` +
          `ratio ${h.ratio.toFixed(3)}, per round ${h.roundRatios.map((r) => r.toFixed(3)).join(' ')}; ` +
          `companion CPU per push history/new ${h.cpuRatio.toFixed(3)}, per round ${h.cpuRoundRatios.map((r) => r.toFixed(3)).join(' ')}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
      );
    }
  } finally {
    await group.stop(5_000);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
