/**
 * `npm run bench` (full, under 10 minutes) and `npm run bench -- --quick` (under 2 minutes): every
 * target of the product measured beside its reference in the same run, each part in its own
 * process (the local instance, the companion, the load generator, the bare reference server, the
 * catalog importer), with the product's default settings and 100 incidents. Prints a table and
 * writes bench/results.json (bench/lib/results.ts describes the format).
 *
 * These machines are shared and noisy: compare ratios (measured side by side), not absolute times.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DEFAULT_POLL_INTERVAL_MS } from '../src/companion/sync/sync-timings';
import { DEFAULT_CATALOG_PAGE_SIZE } from '../src/companion/catalog/import-catalog';
import { buildAppIfStale } from '../src/shared/build-app';
import { startTestCluster } from '../fixtures/postgres-cluster';
import { startRoundRobinProxy } from '../fixtures/round-robin-proxy';
import { ACCOUNTS } from './fixtures/accounts';
import type { IncidentRef } from './fixtures/pushes';
import { monotonicMs, partGroup, type Part, type PartGroup, type PartSpec } from './lib/part';
import { spreadText } from './lib/alternate';
import { measureCatalogRatio } from './lib/catalog-ratio';
import { HISTORY_PARTS, HISTORY_REWARM_SECONDS, HISTORY_WARM_UP_SECONDS, measureHistoryRatio } from './lib/history-ratio';
import { reportIfSlow } from './lib/outbox-report';
import { measureWriteOverhead } from './lib/write-overhead';
import { figure, percentile, resultsTable, writeResults, type Results } from './lib/results';

export interface BenchSizes {
  label: string;
  incidents: number;
  latencyIterations: number;
  /** app_write_overhead_ratio: rounds of interleaved PATCH pairs, each from a settled companion. */
  overheadRounds: number;
  overheadPairs: number;
  ingestSeconds: number;
  ingestConnections: number;
  historyEvents: number;
  /** Ingest runs on each of the two stores of ingest_after_history_ratio, and their length. */
  historyRounds: number;
  historySeconds: number;
  /** The untimed run on each store before the first timed one, and before each later one (bench/lib/history-ratio.ts). */
  historyWarmUpSeconds: number;
  historyRewarmSeconds: number;
  catalogRows: number;
  /** Raw pagings and imports of catalog_import_rows_per_s (alternated). */
  catalogRounds: number;
  pollingChanges: number;
  pollingSpreadMs: number;
  backlogWrites: number;
  rateLimit: { limit: number; windowSeconds: number };
  crashStreamMs: number;
  crashTimeoutMs: number;
  /** Incidents declared through each count of PostgreSQL replicas (their end-to-end figure). */
  replicaIncidents: number;
}

export const FULL: BenchSizes = {
  label: 'full',
  incidents: 100,
  latencyIterations: 400,
  overheadRounds: 6,
  overheadPairs: 60,
  ingestSeconds: 8,
  ingestConnections: 8,
  historyEvents: 100_000,
  historyRounds: 4,
  historySeconds: 4,
  historyWarmUpSeconds: HISTORY_WARM_UP_SECONDS,
  historyRewarmSeconds: HISTORY_REWARM_SECONDS,
  catalogRows: 100_000,
  catalogRounds: 4,
  pollingChanges: 100,
  pollingSpreadMs: 30_000,
  backlogWrites: 100,
  rateLimit: { limit: 10, windowSeconds: 2 },
  crashStreamMs: 2_000,
  crashTimeoutMs: 150_000,
  replicaIncidents: 100,
};

export const QUICK: BenchSizes = {
  label: 'quick',
  incidents: 100,
  latencyIterations: 50,
  overheadRounds: 2,
  overheadPairs: 30,
  ingestSeconds: 1,
  ingestConnections: 8,
  historyEvents: 10_000,
  historyRounds: 2,
  historySeconds: 1,
  historyWarmUpSeconds: 1,
  // Its runs are seconds apart, not the full run's 10 to 30 s: no companion idles long before its run.
  historyRewarmSeconds: 0,
  catalogRows: 10_000,
  catalogRounds: 2,
  pollingChanges: 20,
  pollingSpreadMs: 2_000,
  backlogWrites: 16,
  rateLimit: { limit: 5, windowSeconds: 1 },
  crashStreamMs: 1_000,
  crashTimeoutMs: 45_000,
  replicaIncidents: 20,
};

/**
 * How long the benchmark waits for things that are not measured: the companion settling (no change
 * applied for `quietMs`), incidents being declared, parts stopping. They only bound a run that went
 * wrong, so they are generous; the figures never depend on them.
 */
const WAITS = {
  quietMs: 1_000,
  longQuietMs: 2_000,
  settleTimeoutMs: 30_000,
  longSettleTimeoutMs: 120_000,
  declareTimeoutMs: 120_000,
  stopGraceMs: 5_000,
} as const;

/** Untimed PATCH pairs at the start of each write-overhead round (after the first round's, the code is warm). */
const OVERHEAD_WARM_UP_PAIRS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Where a run's time goes (the quick run has a 2-minute budget): each section's start, summed up at the end. */
const sectionStarts: Array<{ name: string; at: number }> = [];

function section(name: string, message: string): void {
  sectionStarts.push({ name, at: Date.now() });
  log(message);
}

function sectionTimes(endAt: number): string {
  return sectionStarts.map((s, i) => `${s.name} ${(((sectionStarts[i + 1]?.at ?? endAt) - s.at) / 1000).toFixed(0)} s`).join(', ');
}

/** Applied ServiceNow changes reported by a companion part, with their monotonic times. */
export class AppliedLog {
  readonly times: number[] = [];
  private waiters: Array<() => void> = [];

  watch(companion: Part): void {
    companion.on('applied', (data) => {
      for (const report of data as Array<{ at: number }>) this.times.push(report.at);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves with the time of the `n`-th applied change (1-based) once it happened. */
  async nth(n: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.times.length < n) {
      if (Date.now() > deadline) throw new Error(`change ${n} was not applied within ${timeoutMs} ms (${this.times.length} applied)`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.times[n - 1]!;
  }

  /** Waits until no change has been applied for `quietMs`. */
  async quiet(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = -1; seen !== this.times.length && Date.now() < deadline; ) {
      seen = this.times.length;
      await sleep(quietMs);
    }
  }
}

type Stack = PartGroup;

/** The parts of the later sections (each forked at the start: PartGroup.prespawn). */
const POLLING_INSTANCE: PartSpec = { file: 'instance-part.ts', name: 'instance (polling)' };
const POLLING_COMPANION: PartSpec = { file: 'companion-part.ts', name: 'companion (polling)' };
const CATALOG_INSTANCE: PartSpec = { file: 'instance-part.ts', name: 'instance (catalog)' };
const REPLICA_COUNTS = [1, 2, 3] as const;
function replicaParts(count: number): { instance: PartSpec; companions: PartSpec[] } {
  return {
    instance: { file: 'instance-part.ts', name: `instance (${count} replicas)` },
    companions: Array.from({ length: count }, (_, i) => ({ file: 'companion-part.ts', name: `companion replica ${i + 1}/${count}` })),
  };
}
const LATER_PARTS: PartSpec[] = [
  ...Object.values(HISTORY_PARTS),
  POLLING_INSTANCE,
  POLLING_COMPANION,
  CATALOG_INSTANCE,
  ...REPLICA_COUNTS.flatMap((count) => {
    const { instance, companions } = replicaParts(count);
    return [instance, ...companions];
  }),
];

function stack(): Stack {
  return partGroup('incident-sn-bench-');
}

async function startCompanion(s: Stack, name: string, storeFile: string, port = 0): Promise<{ part: Part; url: string; port: number; applied: AppliedLog }> {
  const part = s.start('companion-part.ts', name);
  const applied = new AppliedLog();
  applied.watch(part);
  const started = await part.call<{ url: string; port: number }>('start', { storeFile, port });
  return { part, ...started, applied };
}

export async function runBench(sizes: BenchSizes): Promise<Results> {
  const s = stack();
  const results: Results = {};
  try {
    // ── The real-time stack: instance with the app, companion, load generator, references ──
    section('start', `starting the parts (each in its own process; ${LATER_PARTS.length} of later sections too)`);
    const bare = s.start('bare-part.ts', 'references');
    const loadgen = s.start('loadgen-part.ts', 'load generator');
    const appInstance = s.start('instance-part.ts', 'instance (app)');
    const plainInstance = s.start('instance-part.ts', 'instance (no app)');
    // The parts of later sections load (seconds each) beside these, before anything is measured.
    s.prespawn(LATER_PARTS);
    const [refs, app, plain] = await Promise.all([
      bare.call<{ floorUrl: string; bareUrl: string; durableUrl: string }>('start', { durableFile: path.join(s.dir, 'durable-floor.log') }),
      appInstance.call<{ url: string }>('start', { app: true }),
      plainInstance.call<{ url: string }>('start', { app: false }),
      s.ready(),
    ]);
    const storeFile = path.join(s.dir, 'companion.db');
    let companion = await startCompanion(s, 'companion', storeFile);
    const connected = await companion.part.call<{ mode: string }>('connect', { instanceUrl: app.url, storeFile });
    if (connected.mode !== 'realtime') throw new Error(`expected a real-time connection, got ${connected.mode}`);
    section('declare', `declaring ${sizes.incidents} incidents in incident.io and waiting until each is in ServiceNow`);
    const declareStart = monotonicMs();
    const incidents = await loadgen.call<Array<{ id: string; sysId: string; number: string }>>('declareIncidents', { companionUrl: companion.url, count: sizes.incidents, timeoutMs: WAITS.declareTimeoutMs });
    const sqliteEndToEnd = sizes.incidents / ((monotonicMs() - declareStart) / 1000);
    results.end_to_end_sqlite_incidents_per_s = figure({
      value: sqliteEndToEnd,
      unit: 'incidents/s',
      reference: null,
      ratio: null,
      target: `reported: ${sizes.incidents} incidents declared one after another until each is in ServiceNow (one companion, SQLite)`,
      met: true,
    });
    await companion.applied.quiet(WAITS.quietMs, WAITS.settleTimeoutMs);

    // ── Latency: the floor, then ServiceNow change → applied in incident.io, one at a time ──
    section('latency', 'latency: loopback floor');
    const floor = await loadgen.call<number[]>('floor', { url: refs.floorUrl, iterations: sizes.latencyIterations });
    const floorP50 = percentile(floor, 0.5);
    const floorP99 = percentile(floor, 0.99);
    log('latency: ServiceNow change → applied in incident.io');
    const opsBefore = await appInstance.call<{ appRuleDataOps: number }>('stats');
    const latencies: number[] = [];
    const patchAlone: number[] = [];
    const lastName = new Map<string, string>();
    for (let i = 0; i < sizes.latencyIterations; i++) {
      const incident = incidents[i % incidents.length]!;
      const expected = companion.applied.times.length + 1;
      const name = `latency ${i}`;
      const { sentAt, ms } = await loadgen.call<{ sentAt: number; ms: number }>('patchIncident', { instanceUrl: app.url, sysId: incident.sysId, values: { short_description: name } });
      const appliedAt = await companion.applied.nth(expected, WAITS.settleTimeoutMs);
      latencies.push(appliedAt - sentAt);
      patchAlone.push(ms);
      lastName.set(incident.id, name);
    }
    const opsAfter = await appInstance.call<{ appRuleDataOps: number }>('stats');
    const names = await loadgen.call<Record<string, string>>('names', { companionUrl: companion.url });
    const wrong = [...lastName].filter(([id, name]) => names[id] !== name);
    if (wrong.length > 0) throw new Error(`${wrong.length} incidents do not show their last ServiceNow change: the latency figures are not valid`);
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    results.http_floor_p50_ms = figure({ value: floorP50, unit: 'ms', reference: null, ratio: null, target: 'the reference: loopback keep-alive POST of a push-sized body', met: true });
    results.realtime_latency_p50_ms = figure({ value: p50, unit: 'ms', reference: floorP50, ratio: p50 / floorP50, target: '≤ 10× the loopback floor', met: p50 / floorP50 <= 10 });
    results.realtime_latency_p99_ms = figure({ value: p99, unit: 'ms', reference: floorP99, ratio: p99 / floorP99, target: '< 100 ms', met: p99 < 100 });
    const opsPerChange = (opsAfter.appRuleDataOps - opsBefore.appRuleDataOps) / sizes.latencyIterations;
    results.app_db_ops_per_change = figure({ value: opsPerChange, unit: 'ops', reference: null, ratio: null, target: '≤ 2 (read cached config, insert one outbox row), no network call', met: opsPerChange <= 2 });

    // ── The app's cost on a user's write: the same PATCH, app vs no app, in rounds (bench/lib/write-overhead.ts) ──
    section('write overhead', `app write overhead: the same PATCH of a synced field, app vs no app, ${sizes.overheadRounds} rounds of ${sizes.overheadPairs} pairs`);
    const plainIncidents = await plainInstance.call<IncidentRef[]>('createIncidents', sizes.incidents);
    let appliedExpected = companion.applied.times.length;
    const overhead = await measureWriteOverhead({
      loadgen,
      withApp: { instanceUrl: app.url, sysIds: incidents.map((i) => i.sysId) },
      withoutApp: { instanceUrl: plain.url, sysIds: plainIncidents.map((i) => i.sysId) },
      rounds: sizes.overheadRounds,
      pairs: sizes.overheadPairs,
      warmUp: OVERHEAD_WARM_UP_PAIRS,
      field: 'short_description',
      settle: async (changes) => {
        appliedExpected += changes;
        const settling = monotonicMs();
        const behind = appliedExpected - companion.applied.times.length;
        // A round still waiting after 2 s says where its changes sit (a retry, the scheduled job, the companion).
        const arrived = reportIfSlow(app.url, (line) => log(`app write overhead: ${line}`));
        await companion.applied.nth(appliedExpected, WAITS.longSettleTimeoutMs).catch(() => undefined);
        arrived();
        log(`app write overhead: ${behind} of the round's ${changes} changes still to apply at its end, applied in ${((monotonicMs() - settling) / 1000).toFixed(1)} s`);
        await companion.applied.quiet(WAITS.quietMs, WAITS.settleTimeoutMs);
      },
      log,
    });
    results.app_write_overhead_ratio = figure({
      value: overhead.ratio,
      unit: '×',
      reference: overhead.withoutAppMedian,
      ratio: overhead.ratio,
      target:
        `≤ 1.5× (p50 PATCH, app installed over not installed, interleaved; ${sizes.overheadRounds} rounds of ${sizes.overheadPairs} pairs, each from a settled companion; ` +
        `each round's ratio ${spreadText(overhead.roundRatios)}; the PATCH with the app ${overhead.withAppMedian.toFixed(2)} ms, ${percentile(patchAlone, 0.5).toFixed(2)} ms when the previous change was applied first)`,
      met: overhead.ratio <= 1.5,
    });

    // ── Crash recovery: kill -9 the companion during a stream of ServiceNow changes (before the
    // ingest runs, whose crafted pushes carry sequences far above the records' real ones) ──
    section('crash recovery', 'crash recovery: kill -9 the companion during a stream of changes');
    const crash = await crashRecovery(s, sizes, { loadgen, appUrl: app.url, incidents, storeFile, port: companion.port, companion: companion.part });
    results.crash_recovery_s = figure({
      value: crash.seconds,
      unit: 's',
      reference: null,
      ratio: null,
      target: 'every change sent before the kill applied after a restart (time reported)',
      met: crash.seconds !== null,
    });
    companion = crash.companion;


    // ── Ingest: signed pushes over the bare endpoint ──
    section('ingest', 'ingest: bare endpoint vs the companion webhook');
    const secret = await companion.part.call<string>('signingSecret');
    const refs100 = incidents.map((i) => ({ sysId: i.sysId, number: i.number }));
    const ingest = (url: string, seconds: number, firstSequence: number) =>
      loadgen.call<{ perSecond: number; total: number; non2xx: number; errors: number }>('ingest', { url, secret, incidents: refs100, firstSequence, seconds, connections: sizes.ingestConnections });
    await ingest(refs.bareUrl, 1, 10_000);
    const bareIngest = await ingest(refs.bareUrl, sizes.ingestSeconds, 10_000);
    await ingest(refs.durableUrl, 1, 10_000);
    const syncsBefore = await bare.call<{ syncs: number; bodies: number }>('durableStats');
    const durableIngest = await ingest(refs.durableUrl, sizes.ingestSeconds, 10_000);
    const syncsAfter = await bare.call<{ syncs: number; bodies: number }>('durableStats');
    const emptyIngest = await ingest(companion.url, sizes.ingestSeconds, 20_000);
    if (emptyIngest.non2xx > 0 || emptyIngest.errors > 0) throw new Error(`the webhook refused ${emptyIngest.non2xx} pushes (${emptyIngest.errors} errors)`);
    const ingestRatio = emptyIngest.perSecond / bareIngest.perSecond;
    results.ingest_events_per_s = figure({ value: emptyIngest.perSecond, unit: 'events/s', reference: bareIngest.perSecond, ratio: ingestRatio, target: '≥ 0.5 of a bare fastify endpoint', met: ingestRatio >= 0.5 });
    const perSync = (syncsAfter.bodies - syncsBefore.bodies) / Math.max(1, syncsAfter.syncs - syncsBefore.syncs);
    results.ingest_durable_floor_events_per_s = figure({
      value: durableIngest.perSecond,
      unit: 'events/s',
      reference: bareIngest.perSecond,
      ratio: durableIngest.perSecond / bareIngest.perSecond,
      target:
        `reported: the same load on the bare endpoint appending each body to a file and answering after a group-committed fdatasync (${perSync.toFixed(1)} pushes per sync), over the bare endpoint; ` +
        `the companion stores ${(emptyIngest.perSecond / durableIngest.perSecond).toFixed(2)} of it`,
      met: true,
    });
    await companion.applied.quiet(WAITS.longQuietMs, WAITS.longSettleTimeoutMs);

    // ── Ingest after history: the same load on a copy of this store given N finished events of
    // one incident, against a plain copy, alternated (bench/lib/history-ratio.ts) ──
    section('ingest after history', `ingest after history: ${sizes.historyRounds} runs on a copy of the store and ${sizes.historyRounds} on a copy with ${sizes.historyEvents} events of one incident, alternated`);
    await companion.part.call('stop').catch(() => undefined);
    await companion.part.exited;
    const history = await measureHistoryRatio({
      group: s,
      loadgen,
      sourceStore: storeFile,
      incidents: refs100,
      historyEvents: sizes.historyEvents,
      seconds: sizes.historySeconds,
      warmUpSeconds: sizes.historyWarmUpSeconds,
      rewarmSeconds: sizes.historyRewarmSeconds,
      connections: sizes.ingestConnections,
      rounds: sizes.historyRounds,
      firstSequence: 1_000_000,
      drainTimeoutMs: WAITS.longSettleTimeoutMs,
      log,
    });
    results.ingest_after_history_ratio = figure({
      value: history.ratio,
      unit: '×',
      reference: history.newMedian,
      ratio: history.ratio,
      target:
        `≥ 0.9 (median events/s of ${sizes.historyRounds} ${sizes.historySeconds}-s runs after ${sizes.historyEvents.toLocaleString('en')} stored events of one incident, over the median of ${sizes.historyRounds} on the same store without them, ` +
        `alternated, each from a drained apply queue; each round's ratio ${spreadText(history.roundRatios)}; ` +
        `the companion's CPU per push stored and applied, history over new, ${history.cpuRatio.toFixed(2)}, each round ${spreadText(history.cpuRoundRatios)})`,
      met: history.ratio >= 0.9,
    });

    await Promise.all([appInstance.call('stop').catch(() => undefined), plainInstance.call('stop').catch(() => undefined)]);

    // ── Polling (no app) and backlog drain under a rate limit ──
    await pollingAndBacklog(s, sizes, loadgen, results);

    // ── Catalog import vs raw paging, and its peak memory ──
    await catalog(s, sizes, loadgen, results);

    // ── Replicas on PostgreSQL: 1, 2 and 3 behind a round-robin proxy, against the SQLite figures ──
    await replicas(s, sizes, loadgen, results, { ingest: emptyIngest.perSecond, endToEnd: sqliteEndToEnd });
    return results;
  } finally {
    await s.stop(WAITS.stopGraceMs);
  }
}

async function crashRecovery(
  s: Stack,
  sizes: BenchSizes,
  ctx: { loadgen: Part; appUrl: string; incidents: Array<{ id: string; sysId: string }>; storeFile: string; port: number; companion: Part },
): Promise<{ seconds: number | null; companion: Awaited<ReturnType<typeof startCompanion>> }> {
  const { loadgen, incidents } = ctx;
  const lastName = new Map<string, string>();
  const started = Date.now();
  let i = 0;
  while (Date.now() - started < sizes.crashStreamMs) {
    const incident = incidents[i % incidents.length]!;
    const name = `crash stream ${i}`;
    await loadgen.call('patchIncident', { instanceUrl: ctx.appUrl, sysId: incident.sysId, values: { short_description: name } });
    lastName.set(incident.id, name);
    i++;
  }
  const killedAt = monotonicMs();
  ctx.companion.child.kill('SIGKILL');
  await ctx.companion.exited;
  const companion = await startCompanion(s, 'companion (restarted)', ctx.storeFile, ctx.port);
  const deadline = Date.now() + sizes.crashTimeoutMs;
  for (;;) {
    const names = await loadgen.call<Record<string, string>>('names', { companionUrl: companion.url });
    const missing = [...lastName].filter(([id, name]) => names[id] !== name).length;
    if (missing === 0) return { seconds: (monotonicMs() - killedAt) / 1000, companion };
    if (Date.now() > deadline) {
      log(`crash recovery: ${missing} of ${lastName.size} changes still missing after ${sizes.crashTimeoutMs / 1000} s`);
      return { seconds: null, companion };
    }
    await sleep(100);
  }
}

async function pollingAndBacklog(s: Stack, sizes: BenchSizes, loadgen: Part, results: Results): Promise<void> {
  section('polling', 'polling: an instance without the app, the companion polling every 10 s (its default)');
  const instance = s.start(POLLING_INSTANCE.file, POLLING_INSTANCE.name);
  const { url } = await instance.call<{ url: string }>('start', { app: false, adminServiceAccount: true, rateLimitWindowSeconds: sizes.rateLimit.windowSeconds });
  const storeFile = path.join(s.dir, 'polling.db');
  const companion = await startCompanion(s, POLLING_COMPANION.name, storeFile);
  const connected = await companion.part.call<{ mode: string }>('connect', { instanceUrl: url, storeFile });
  if (connected.mode !== 'polling') throw new Error(`expected a polling connection, got ${connected.mode}`);
  const incidents = await loadgen.call<Array<{ id: string; sysId: string }>>('declareIncidents', { companionUrl: companion.url, count: sizes.incidents, timeoutMs: WAITS.declareTimeoutMs });
  const polled = await loadgen.call<number[]>('pollingLatency', {
    instanceUrl: url,
    companionUrl: companion.url,
    incidents,
    changes: sizes.pollingChanges,
    spreadMs: sizes.pollingSpreadMs,
    checkMs: 100,
    timeoutMs: 60_000,
  });
  const pollP50 = percentile(polled, 0.5);
  results.polling_latency_p50_ms = figure({ value: pollP50, unit: 'ms', reference: DEFAULT_POLL_INTERVAL_MS, ratio: pollP50 / DEFAULT_POLL_INTERVAL_MS, target: `reported (no app; default ${DEFAULT_POLL_INTERVAL_MS / 1000} s poll interval; checked every 100 ms)`, met: pollP50 <= DEFAULT_POLL_INTERVAL_MS });

  section('backlog', `backlog drain: ${sizes.backlogWrites} incident.io changes against ${sizes.rateLimit.limit} requests per ${sizes.rateLimit.windowSeconds} s`);
  await instance.call('addRateLimitRule', { user: ACCOUNTS.svc.user, limit: sizes.rateLimit.limit, name: 'bench: service account' });
  const ids = incidents.slice(0, sizes.backlogWrites).map((i) => i.id);
  const start = monotonicMs();
  const drainStartedAt = Date.now();
  await loadgen.call('renameIncidents', { companionUrl: companion.url, ids, prefix: 'backlog' });
  const deadline = Date.now() + 300_000;
  let seconds: number | null = null;
  while (Date.now() < deadline) {
    if ((await loadgen.call<number>('pendingWrites', { companionUrl: companion.url })) === 0) {
      seconds = (monotonicMs() - start) / 1000;
      break;
    }
    await sleep(100);
  }
  const finishedAt = Date.now();
  const stats = await instance.call<{ refusals: Record<string, number>; acceptedPerWindow: Array<{ start: number; count: number }>; windowMs: number }>('stats');
  const refusedTwiceKeys = Object.entries(stats.refusals).filter(([, n]) => n > 1);
  const refusedTwice = refusedTwiceKeys.length;
  if (refusedTwice > 0) log(`backlog drain: refused more than once: ${refusedTwiceKeys.map(([key, n]) => `${key} (${n})`).join(', ')}`);
  // The rate achieved in the drain's full windows (the first and the last are partial), over the limit.
  const full = stats.acceptedPerWindow.filter((w) => w.start >= drainStartedAt && w.start + stats.windowMs <= finishedAt - stats.windowMs);
  const drainRatio = seconds === null || full.length === 0 ? null : full.reduce((n, w) => n + w.count, 0) / full.length / sizes.rateLimit.limit;
  log(`backlog drain: ${seconds?.toFixed(1) ?? '—'} s, accepted per window ${stats.acceptedPerWindow.map((w) => w.count).join(' ')}, ${full.length} full windows`);
  const limitRate = sizes.rateLimit.limit / sizes.rateLimit.windowSeconds;
  results.backlog_drain_ratio = figure({
    value: drainRatio,
    unit: '×',
    reference: limitRate,
    ratio: drainRatio,
    target: `≥ 0.9 of the limit (${sizes.rateLimit.limit} requests per ${sizes.rateLimit.windowSeconds} s window, full windows of the drain), no request refused twice (${refusedTwice} were)`,
    met: drainRatio !== null && drainRatio >= 0.9 && refusedTwice === 0,
  });
  await Promise.all([instance.call('stop').catch(() => undefined), companion.part.call('stop').catch(() => undefined)]);
}

async function catalog(s: Stack, sizes: BenchSizes, loadgen: Part, results: Results): Promise<void> {
  section('catalog', `catalog: ${sizes.catalogRows.toLocaleString('en')} CIs, ${sizes.catalogRounds} runs of raw paging and ${sizes.catalogRounds} of import-catalog, alternated`);
  const instance = s.start(CATALOG_INSTANCE.file, CATALOG_INSTANCE.name);
  const { url } = await instance.call<{ url: string }>('start', { app: false, scheduler: false });
  await instance.call('insertConfigurationItems', sizes.catalogRows);
  const measured = await measureCatalogRatio({ group: s, loadgen, instanceUrl: url, rounds: sizes.catalogRounds, pageSize: DEFAULT_CATALOG_PAGE_SIZE, log });
  const rows = measured.rows.toLocaleString('en');
  results.catalog_import_rows_per_s = figure({
    value: measured.importMedian,
    unit: 'rows/s',
    reference: measured.rawMedian,
    ratio: measured.ratio,
    target:
      `≥ 0.8 of raw paging of the same pages (${rows} CIs; median of ${sizes.catalogRounds} imports, each in its own process into a fresh store, over the median of ${sizes.catalogRounds} raw pagings, ` +
      `alternated; each round's ratio ${spreadText(measured.roundRatios)})`,
    met: measured.ratio >= 0.8,
  });
  results.catalog_import_peak_rss_mb = figure({
    value: measured.peakRssMb,
    unit: 'MB',
    reference: null,
    ratio: null,
    target: `< 200 MB (VmHWM of the importing process, ${sizes.catalogRows.toLocaleString('en')} CIs; the highest of the ${sizes.catalogRounds} imports)`,
    met: measured.peakRssMb !== null && measured.peakRssMb < 200,
  });
  await instance.call('stop').catch(() => undefined);
}

/**
 * The same ingest and end-to-end runs as above, with 1, 2 and 3 companion replicas (each its own
 * process) on one PostgreSQL database (a throw-away cluster of Debian's binaries) behind a
 * round-robin proxy that the app and the load generator go through; each count gets a fresh
 * database and instance. The SQLite figures (one companion, no proxy) are the reference.
 */
async function replicas(s: Stack, sizes: BenchSizes, loadgen: Part, results: Results, sqlite: { ingest: number; endToEnd: number }): Promise<void> {
  const cluster = await startTestCluster();
  const secretKey = crypto.randomBytes(32).toString('base64');
  try {
    for (const count of REPLICA_COUNTS) {
      const spec = replicaParts(count);
      section(`replicas ${count}`, `replicas: ${count} on PostgreSQL behind a round-robin proxy`);
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE bench_${count}`);
      await admin.end();
      const databaseUrl = cluster.url.replace(/\/postgres$/, `/bench_${count}`);
      const instance = s.start(spec.instance.file, spec.instance.name);
      const { url: instanceUrl } = await instance.call<{ url: string }>('start', { app: true });
      const storeFile = path.join(s.dir, `unused-${count}.db`);
      const parts: Part[] = [];
      const ports: number[] = [];
      for (const companion of spec.companions) {
        const part = s.start(companion.file, companion.name);
        parts.push(part);
        ports.push((await part.call<{ port: number }>('start', { storeFile, port: 0, databaseUrl, secretKey })).port);
      }
      const proxy = await startRoundRobinProxy(ports);
      try {
        await parts[0]!.call('connect', { instanceUrl, storeFile, publicUrl: proxy.url, databaseUrl, secretKey });
        const started = monotonicMs();
        const incidents = await loadgen.call<IncidentRef[]>('declareIncidents', { companionUrl: proxy.url, count: sizes.replicaIncidents, timeoutMs: 180_000 });
        const endToEnd = sizes.replicaIncidents / ((monotonicMs() - started) / 1000);
        const secret = await parts[0]!.call<string>('signingSecret');
        const refs = incidents.map((i) => ({ sysId: i.sysId, number: i.number }));
        const ingest = await loadgen.call<{ perSecond: number; non2xx: number; errors: number }>('ingest', {
          url: proxy.url,
          secret,
          incidents: refs,
          firstSequence: 20_000,
          seconds: sizes.ingestSeconds,
          connections: sizes.ingestConnections,
        });
        if (ingest.non2xx > 0 || ingest.errors > 0) throw new Error(`${count} replicas refused ${ingest.non2xx} pushes (${ingest.errors} errors)`);
        log(`replicas: ${count}: ${ingest.perSecond.toFixed(0)} pushes/s stored, ${endToEnd.toFixed(1)} incidents/s end to end; requests per replica ${[...proxy.served.values()].join(' / ')}`);
        const plural = count === 1 ? 'replica' : 'replicas';
        results[`pg_ingest_${count}_${plural}_events_per_s`] = figure({
          value: ingest.perSecond,
          unit: 'events/s',
          reference: sqlite.ingest,
          ratio: ingest.perSecond / sqlite.ingest,
          target: `reported: signed pushes stored by ${count} ${plural} on PostgreSQL through the proxy, over one companion on SQLite`,
          met: true,
        });
        results[`pg_end_to_end_${count}_${plural}_incidents_per_s`] = figure({
          value: endToEnd,
          unit: 'incidents/s',
          reference: sqlite.endToEnd,
          ratio: endToEnd / sqlite.endToEnd,
          target: `reported: ${sizes.replicaIncidents} incidents declared until each is in ServiceNow, ${count} ${plural} on PostgreSQL, over ${sizes.incidents} on SQLite`,
          met: true,
        });
      } finally {
        await proxy.close();
        await Promise.all([...parts.map((p) => p.call('stop').catch(() => undefined)), instance.call('stop').catch(() => undefined)]);
      }
    }
  } finally {
    cluster.stop();
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const sizes = quick ? QUICK : FULL;
  const began = Date.now();
  log(`incident.io ⇄ ServiceNow benchmark (${sizes.label}): Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${os.loadavg()[0]!.toFixed(2)} load`);
  section('build', 'building the app when its sources changed');
  await buildAppIfStale();
  const results = await runBench(sizes);
  const file = path.join(__dirname, 'results.json');
  writeResults(file, results);
  const ended = Date.now();
  process.stdout.write(
    `\n${resultsTable(results)}\n\n${sizes.label} run, ${((ended - began) / 1000).toFixed(0)} s (${sectionTimes(ended)}); written to ${path.relative(process.cwd(), file)}\n`,
  );
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
