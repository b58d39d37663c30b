import fs from 'node:fs';
import path from 'node:path';
import type { IncidentRef } from '../fixtures/pushes';
import { abbaOrder, median, ratioOfMedians } from './alternate';
import { monotonicMs, type Part, type PartGroup, type PartSpec } from './part';

export { median };

/**
 * `ingest_after_history_ratio`, measured so that it can be trusted: the same store copied twice
 * (one copy then given `historyEvents` finished events of one incident), a companion on each, and
 * ingest runs on the two taken in turns, ABBA (new, history, history, new, new, history…) so that a
 * trend in the machine's load falls on both alike. Every run starts from the same state: the
 * companion's apply queue drained (no pending or in-progress event: the previous run's applies
 * would otherwise compete with this run's pushes), and both files checkpointed and fsync'd once
 * before the first run (the seeder writes its history in one transaction, a WAL the product never
 * has: its connections checkpoint every 1,000 WAL pages). Between runs the WAL is left as the
 * product leaves it (under 1,000 pages each); its size is logged before every run.
 *
 * Each timed run is preceded by a short untimed one on its store (then drained again): otherwise a
 * run began on a companion that had idled through the other store's run and drain. The rounds are
 * even: with ABBA over an odd count the two medians fall at different places in the sequence (with
 * 3 rounds the new store's 4th run against the history store's 3rd), so a rising or falling load
 * moved the ratio by a whole run's change.
 *
 * The figure is the ratio of the medians; each round's own ratio gives its spread.
 */

export interface HistoryRatioOptions {
  group: PartGroup;
  loadgen: Part;
  /** A closed store (its companion stopped) with a real-time connection and the incidents: copied, never written. */
  sourceStore: string;
  incidents: IncidentRef[];
  historyEvents: number;
  /** Seconds per ingest run. */
  seconds: number;
  /** Seconds of the untimed run on each store before the first timed one (the companion just started). */
  warmUpSeconds: number;
  /** Seconds of the untimed run before each later timed one (the companion idled through the other store's); 0: none. */
  rewarmSeconds: number;
  connections: number;
  /** Runs on each store (at least 1; even, so that ABBA balances a trend in the load in the medians too). */
  rounds: number;
  /** Sequences of the pushes start above this (higher than any the source store holds). */
  firstSequence: number;
  drainTimeoutMs: number;
  log(message: string): void;
}

export interface IngestRun {
  store: 'new' | 'history';
  perSecond: number;
  /** Events still pending or in progress when the run ended (applies behind the pushes). */
  backlogAtEnd: number;
  /** Seconds until that backlog was applied. */
  drainSeconds: number;
  /** Bytes of the store's WAL when the run began. */
  walBytesBefore: number;
  /**
   * The companion's CPU (every thread) from the run's start until its backlog was applied, per push:
   * what the history costs the companion, far less moved by the machine's load than pushes/s.
   */
  cpuUsPerPush: number;
}

export interface HistoryRatio {
  ratio: number;
  newMedian: number;
  historyMedian: number;
  /** history / new of each round (one run of each). */
  roundRatios: number[];
  /** The companion's CPU per push, history over new (ratio of the medians), and each round's. */
  cpuRatio: number;
  cpuRoundRatios: number[];
  runs: IngestRun[];
}

/** The untimed runs' lengths of the full measurement (bench/run.ts FULL, bench/ingest-only.ts): before each store's first timed run, and before each later one. */
export const HISTORY_WARM_UP_SECONDS = 2;
export const HISTORY_REWARM_SECONDS = 1;

/** The parts this measurement starts (bench/run.ts forks them early: PartGroup.prespawn). */
export const HISTORY_PARTS = {
  seeder: { file: 'history-part.ts', name: 'history seeder' },
  new: { file: 'companion-part.ts', name: 'companion (new store)' },
  history: { file: 'companion-part.ts', name: 'companion (history store)' },
} satisfies Record<string, PartSpec>;

interface StoreUnderTest {
  name: 'new' | 'history';
  file: string;
  part: Part;
  url: string;
  secret: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The order of the runs: ABBA in pairs of rounds (new, history, history, new, …). */
export function runOrder(rounds: number): Array<'new' | 'history'> {
  return abbaOrder('new' as const, 'history' as const, rounds);
}

function walBytes(file: string): number {
  try {
    return fs.statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

function copyStore(from: string, to: string): void {
  for (const suffix of ['', '-wal']) {
    if (!fs.existsSync(from + suffix)) continue;
    fs.copyFileSync(from + suffix, to + suffix);
  }
}

/** Open (pending or in progress) inbound events of a companion. */
async function openEvents(part: Part): Promise<number> {
  const { inbound } = await part.call<{ inbound: Record<string, number> }>('counts');
  return (inbound.pending ?? 0) + (inbound.processing ?? 0);
}

/** Waits until the companion has no open inbound event; the seconds it took. */
async function drain(part: Part, timeoutMs: number): Promise<number> {
  const started = monotonicMs();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await openEvents(part);
    if (open === 0) return (monotonicMs() - started) / 1000;
    if (Date.now() > deadline) throw new Error(`${part.name}: ${open} inbound events still open after ${timeoutMs / 1000} s; the ingest runs would not start from the same state`);
    await sleep(100);
  }
}

export async function measureHistoryRatio(o: HistoryRatioOptions): Promise<HistoryRatio> {
  if (o.rounds < 1) throw new Error('at least one round');
  const files = { new: path.join(o.group.dir, 'ingest-new.db'), history: path.join(o.group.dir, 'ingest-history.db') };
  copyStore(o.sourceStore, files.new);
  copyStore(o.sourceStore, files.history);
  const startCompanion = async (name: 'new' | 'history'): Promise<StoreUnderTest> => {
    const part = o.group.start(HISTORY_PARTS[name].file, HISTORY_PARTS[name].name);
    const { url } = await part.call<{ url: string }>('start', { storeFile: files[name], port: 0 });
    return { name, file: files[name], part, url, secret: await part.call<string>('signingSecret') };
  };
  const seeder = o.group.start(HISTORY_PARTS.seeder.file, HISTORY_PARTS.seeder.name);
  await seeder.call('settle', { storeFile: files.new });
  // The new store's companion starts (seconds of module loading) while the other copy is seeded.
  const newStore = startCompanion('new');
  newStore.catch(() => undefined);
  const seeded = await seeder.call<{ marked: number }>('seed', { storeFile: files.history, sysId: o.incidents[0]!.sysId, number: o.incidents[0]!.number, count: o.historyEvents });
  if (seeded.marked !== o.historyEvents) throw new Error(`the seeder marked ${seeded.marked} of ${o.historyEvents} history events done`);
  await seeder.call('settle', { storeFile: files.history });
  await seeder.stop();
  const stores: StoreUnderTest[] = [await newStore, await startCompanion('history')];
  let sequence = o.firstSequence;
  const ingest = async (store: StoreUnderTest, seconds: number) => {
    sequence += 100_000;
    const run = await o.loadgen.call<{ perSecond: number; total: number; non2xx: number; errors: number }>('ingest', {
      url: store.url,
      secret: store.secret,
      incidents: o.incidents,
      firstSequence: sequence,
      seconds,
      connections: o.connections,
    });
    if (run.non2xx > 0 || run.errors > 0) throw new Error(`the ${store.name} store's webhook refused ${run.non2xx} pushes (${run.errors} errors)`);
    return run;
  };
  try {
    // Each companion's first seconds outside the measurement: a companion just started answered
    // 0 to 3 pushes/s in its first 2-s run and 80 to 140 in the next ones (load 26 to 28), 121 when
    // it had idled 10 s first: its start-up work (the first purge of finished events, the first
    // poll and catch-up steps) and its code not yet optimised.
    for (const store of stores) {
      const left = await openEvents(store.part);
      const leftSeconds = await drain(store.part, o.drainTimeoutMs);
      const warm = (await ingest(store, o.warmUpSeconds)).perSecond;
      await drain(store.part, o.drainTimeoutMs);
      o.log(`ingest after history: ${store.name} store: ${left} events still open before its warm-up (left by the source store's companion), applied in ${leftSeconds.toFixed(1)} s; warm-up ${warm.toFixed(0)} pushes/s`);
    }
    const runs: IngestRun[] = [];
    for (const name of runOrder(o.rounds)) {
      const store = stores.find((s) => s.name === name)!;
      // The other store's run and drain kept this companion idle for 10 to 30 s: a short untimed
      // run first, so that no timed run starts from an idle process when the other did not.
      await drain(store.part, o.drainTimeoutMs);
      if (o.rewarmSeconds > 0) {
        await ingest(store, o.rewarmSeconds);
        await drain(store.part, o.drainTimeoutMs);
      }
      const walBytesBefore = walBytes(store.file);
      const cpuBefore = await store.part.call<number>('cpuUsage');
      const { perSecond, total } = await ingest(store, o.seconds);
      const backlogAtEnd = await openEvents(store.part);
      const drainSeconds = await drain(store.part, o.drainTimeoutMs);
      const cpuUsPerPush = ((await store.part.call<number>('cpuUsage')) - cpuBefore) / total;
      runs.push({ store: name, perSecond, backlogAtEnd, drainSeconds, walBytesBefore, cpuUsPerPush });
      o.log(
        `ingest after history: ${name.padEnd(7)} ${perSecond.toFixed(0)} pushes/s, ${cpuUsPerPush.toFixed(0)} us of companion CPU per push stored and applied; ` +
          `${backlogAtEnd} applies behind at the end, drained in ${drainSeconds.toFixed(1)} s; WAL ${(walBytesBefore / 1024 / 1024).toFixed(1)} MB before`,
      );
    }
    const of = (name: 'new' | 'history') => runs.filter((r) => r.store === name).map((r) => r.perSecond);
    const newRates = of('new');
    const historyRates = of('history');
    const { ratio, overMedian: historyMedian, underMedian: newMedian, roundRatios } = ratioOfMedians(historyRates, newRates);
    const cpuOf = (name: 'new' | 'history') => runs.filter((r) => r.store === name).map((r) => r.cpuUsPerPush);
    const cpu = ratioOfMedians(cpuOf('history'), cpuOf('new'));
    return { ratio, newMedian, historyMedian, roundRatios, cpuRatio: cpu.ratio, cpuRoundRatios: cpu.roundRatios, runs };
  } finally {
    await Promise.all(stores.map((s) => s.part.call('stop').catch(() => undefined)));
  }
}
