import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { killAll, killReplica, outbox, outboxBacklog, printFigures, startReplica, startSetup, teardown, type Setup } from './harness';
import { seededRandom, settle, streamWithKills, Workload } from './workload';
import { createTestDatabase, type TestDatabase } from '../helpers/store-backends';

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

  let replica = 0;
  const { restarts, lastChange, streamSeconds } = await streamWithKills(s, work, random, {
    changes: CHANGES,
    kills: KILLS,
    lanes: LANES,
    streamDeadlineMs: STREAM_DEADLINE_MS,
    maxOutboxBacklog: MAX_OUTBOX_BACKLOG,
    // ServiceNow's side and the app's pushes keep going to the other replicas.
    companionDown: false,
    kill: async () => {
      replica = Math.floor(random() * REPLICAS);
      await killReplica(s, replica);
      return String(replica);
    },
    restart: async () => {
      await startReplica(s, replica);
    },
  });
  const settleSeconds = await settle(s, work, lastChange, SETTLE_DEADLINE_MS);
  const verdict = await work.verify();
  const box = await outbox(s);
  if (box.undelivered > 0 || verdict.problems.length > 0) {
    const outputs = s.replicas!.procs.map((p, i) => `replica ${i}:\n${p?.output().slice(-2000) ?? '(down)'}`).join('\n');
    process.stdout.write(`app outbox, oldest undelivered:\n${(await outboxBacklog(s)).join('\n')}\n${outputs}\n`);
  }
  const served = [...s.replicas!.proxy.served.values()];
  printFigures({
    scenario:
      `15. ${REPLICAS} replicas on PostgreSQL behind a round-robin proxy, kill -9 of replicas ${restarts.map((r) => r.killed).join(', ')} ` +
      `(${INCIDENTS} incidents, ${work.writes.length} field changes + ${work.notes.length} notes in ${streamSeconds.toFixed(0)} s; ` +
      `${work.unchangedSets} ServiceNow sets of a value it already had, so no write; restarts took ${restarts.map((r) => r.seconds.toFixed(1)).join(', ')} s; requests per replica ${served.join(' / ')})`,
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
  expect(restarts).toHaveLength(KILLS);
  // Every replica took part (the proxy spread the requests over all three).
  expect(served.every((n) => n > 0)).toBe(true);
  expect(verdict.changes).toBeGreaterThanOrEqual(CHANGES);
  expect(box).toEqual({ undelivered: 0, dead: 0 });
  expect(settleSeconds).not.toBeNull();
});
