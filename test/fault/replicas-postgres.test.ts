import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { killAll, killReplica, outbox, outboxBacklog, printFigures, startReplica, startSetup, teardown, type Setup } from './harness';
import { seededRandom, Workload } from './workload';
import { createTestDatabase, type TestDatabase } from '../helpers/store-backends';
import { waitFor } from '../helpers/wait-for';

// Issue 15, the fault proof: three companion replicas (the real binary, separate processes) on one
// PostgreSQL database behind a round-robin proxy; the app pushes to the proxy and incident.io's
// API goes through it, so any replica takes any push and any request. While people change 20
// incidents on both sides, 2,000 changes in all, random replicas are killed with SIGKILL and
// started again. Then every incident is linked exactly once, both sides agree on every field,
// every note is there exactly once on each side, and every field holds the value written last.

const REPLICAS = 3;
const INCIDENTS = 20;
const CHANGES = 2_000;
const KILLS = 4;
const LANES = 8;
const SETTLE_DEADLINE_MS = 150_000;
/** Long enough for 2,000 changes on a loaded 2-core machine; a quiet one is done in about half. */
const STREAM_DEADLINE_MS = 200_000;
const MAX_OUTBOX_BACKLOG = 100;
const SEED = Number(process.env.FAULT_SEED ?? 15);

jest.setTimeout(480_000);

let setup: Setup | undefined;
let database: TestDatabase | undefined;
afterAll(async () => {
  killAll();
  await teardown(setup);
  if (database && process.env.FAULT_LOG_DIR) await dumpSyncTables(database.url, process.env.FAULT_LOG_DIR);
  await database?.drop();
});

/** With FAULT_LOG_DIR, the sync tables are kept beside the logs (the database is dropped with the run's cluster). */
async function dumpSyncTables(url: string, dir: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const table of ['sync_incidents', 'sync_links', 'sync_inbound_events', 'sync_outbound_ops', 'sync_timeline_updates']) {
      const { rows } = await client.query(`SELECT * FROM ${table}`);
      fs.writeFileSync(path.join(dir, `${table}.json`), JSON.stringify(rows, null, 1));
    }
  } finally {
    await client.end();
  }
}

it(`${REPLICAS} replicas on PostgreSQL survive ${KILLS} kill -9s during ${CHANGES} changes, losing, duplicating and reverting nothing`, async () => {
  database = await createTestDatabase();
  setup = await startSetup({ replicas: { count: REPLICAS, databaseUrl: database.url } });
  const s = setup;
  const work = new Workload(s, 'replicas');
  await work.declare(INCIDENTS);
  const random = seededRandom(SEED);

  let pausedForKill = false;
  const killAt = Array.from({ length: KILLS }, (_, k) => Math.round(((k + 1) * CHANGES) / (KILLS + 1)));
  const kills: Array<{ replica: number; restartSeconds: number }> = [];
  let killing: Promise<void> | null = null;

  const killAndRestart = async (): Promise<void> => {
    // incident.io's calls are let finish first (a call cut mid-way has no known outcome for the
    // workload to record); ServiceNow's side and the app's pushes keep going to the other replicas.
    pausedForKill = true;
    await waitFor(() => work.incidentIoInFlight === 0, { timeoutMs: 30_000, message: 'incident.io calls to finish before the kill' });
    const replica = Math.floor(random() * REPLICAS);
    await killReplica(s, replica);
    pausedForKill = false;
    const started = Date.now();
    await startReplica(s, replica);
    kills.push({ replica, restartSeconds: (Date.now() - started) / 1000 });
  };

  let backlog = 0;
  let streaming = true;
  const watchBacklog = (async () => {
    while (streaming) {
      backlog = (await outbox(s)).undelivered;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  const streamStart = Date.now();
  const streamDeadline = streamStart + STREAM_DEADLINE_MS;
  const lane = async (): Promise<void> => {
    while (work.changes < CHANGES && Date.now() < streamDeadline) {
      const due = killAt.length > 0 && (work.changes >= killAt[0]! || Date.now() >= streamStart + ((KILLS + 1 - killAt.length) * STREAM_DEADLINE_MS) / (KILLS + 1));
      if (due && !killing) {
        killAt.shift();
        killing = killAndRestart().finally(() => (killing = null));
      }
      const serviceNow = backlog <= MAX_OUTBOX_BACKLOG;
      const incidentIo = !pausedForKill;
      if (!(incidentIo || serviceNow) || !(await work.changeOne(random, { incidentIo, serviceNow }))) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  streaming = false;
  await watchBacklog;
  if (killing) await killing;
  const lastChange = Date.now();
  const streamSeconds = (lastChange - streamStart) / 1000;

  let settleSeconds: number | null = null;
  try {
    await waitFor(async () => (await work.converged()) && (await outbox(s)).undelivered === 0, { timeoutMs: SETTLE_DEADLINE_MS, intervalMs: 250, message: 'both sides to agree' });
    settleSeconds = (Date.now() - lastChange) / 1000;
  } catch {
    // reported below, with what differs
  }
  const verdict = await work.verify();
  const box = await outbox(s);
  if (box.undelivered > 0 || verdict.problems.length > 0) {
    const outputs = s.replicas!.procs.map((p, i) => `replica ${i}:\n${p?.output().slice(-2000) ?? '(down)'}`).join('\n');
    process.stdout.write(`app outbox, oldest undelivered:\n${(await outboxBacklog(s)).join('\n')}\n${outputs}\n`);
  }
  const served = [...s.replicas!.proxy.served.values()];
  printFigures({
    scenario:
      `15. ${REPLICAS} replicas on PostgreSQL behind a round-robin proxy, kill -9 of replicas ${kills.map((k) => k.replica).join(', ')} ` +
      `(${INCIDENTS} incidents, ${work.writes.length} field changes + ${work.notes.length} notes in ${streamSeconds.toFixed(0)} s; ` +
      `restarts took ${kills.map((k) => k.restartSeconds.toFixed(1)).join(', ')} s; requests per replica ${served.join(' / ')})`,
    changes: verdict.changes,
    lost: verdict.lost,
    duplicated: verdict.duplicated,
    diverged: verdict.diverged,
    reverted: verdict.reverted,
    settleSeconds,
    notes: `app outbox: ${box.undelivered} undelivered, ${box.dead} dead`,
  });
  expect(verdict.problems).toEqual([]);
  expect(work.refused).toEqual([]);
  expect(kills).toHaveLength(KILLS);
  // Every replica took part (the proxy spread the requests over all three).
  expect(served.every((n) => n > 0)).toBe(true);
  expect(verdict.changes).toBeGreaterThanOrEqual(CHANGES);
  expect(box).toEqual({ undelivered: 0, dead: 0 });
  expect(settleSeconds).not.toBeNull();
});
