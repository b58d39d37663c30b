/**
 * `node -r tsx/cjs bench/queue-history.ts`: what a long finished history costs the queue. The same
 * work (store a push, claim it, mark it done: what the webhook and the inbound worker do per event,
 * plus one outbound write claimed and completed) on one incident of a fresh store, then on a store
 * that holds 100,000 finished events and 100,000 finished writes of that same incident. Claims read
 * open rows only (migration 0005), so the ratio should stay near 1 (target: within 20 %).
 *
 * Options (environment): BENCH_QUICK=1 uses 20,000 finished rows and fewer rounds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteCompanionStore } from '../src/companion/store';
import { saveBenchConnection } from './lib/bench-connection';
import { seedFinishedHistory } from '../fixtures/queue-history';

const QUICK = process.env.BENCH_QUICK === '1';
const HISTORY = QUICK ? 20_000 : 100_000;
const ROUNDS = QUICK ? 500 : 2_000;
const T0 = new Date('2026-01-01T10:00:00.000Z');

async function setUp(history: number): Promise<{ store: SqliteCompanionStore; connectionId: string; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-bench-queue-'));
  const file = path.join(dir, 'companion.db');
  const store = await openSqliteStore({ file, env: {} });
  const { connection } = await saveBenchConnection(store);
  await store.sync.incidents.insertIncident({
    id: 'busy',
    referenceNumber: 1,
    connectionId: connection.id,
    name: 'busy',
    summary: '',
    status: 'triage',
    severity: 'minor',
    lead: null,
    createdAt: T0,
    updatedAt: T0,
  });
  const sqlite = new Database(file);
  seedFinishedHistory(sqlite, { connectionId: connection.id, incidentSysId: 'busy-sys', incidentId: 'busy', events: history, at: T0 });
  sqlite.close();
  return { store, connectionId: connection.id, dir };
}

/** Milliseconds per event: record, claim, finish; and a write enqueued, claimed, completed. */
async function perEvent(history: number): Promise<number> {
  const { store, connectionId, dir } = await setUp(history);
  const sync = store.sync;
  const now = new Date(T0.getTime() + 1_000);
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) {
    const seq = history + i + 1;
    await sync.inbound.record({
      connectionId,
      eventId: `new-${i}`,
      source: 'push',
      type: 'incident.updated',
      incidentSysId: 'busy-sys',
      sequence: seq,
      orderKey: `${String(seq).padStart(10, '0')}.1.${String(now.getTime()).padStart(15, '0')}`,
      occurredAt: now,
      receivedAt: now,
      payload: { type: 'incident.updated' },
    });
    const event = await sync.inbound.claim({ owner: 'bench', now, leaseMs: 5_000 });
    if (!event) throw new Error('the new event was not claimed');
    await sync.inbound.finish(event.id, 'bench', 'applied', now);
    await sync.outbound.enqueue({ incidentId: 'busy', connectionId, kind: 'note', payload: { note: { updateId: `u${i}`, body: 'b' } }, createdAt: now });
    const op = await sync.outbound.claim({ owner: 'bench', now, leaseMs: 5_000 });
    if (!op) throw new Error('the new write was not claimed');
    await sync.outbound.complete(op.id, 'bench', { modCount: seq, status: 200, at: now });
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return elapsed / ROUNDS;
}

async function main(): Promise<void> {
  // Alternate, twice each, so a noisy neighbour on the shared machine hits both sides alike.
  const empty: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < 2; i++) {
    empty.push(await perEvent(0));
    full.push(await perEvent(HISTORY));
  }
  const best = (v: number[]) => Math.min(...v);
  const ratio = best(full) / best(empty);
  console.log(`queue work per event (record + claim + finish, enqueue + claim + complete), ${ROUNDS} events on one incident:`);
  console.log(`  empty store:                                 ${best(empty).toFixed(3)} ms`);
  console.log(`  ${HISTORY.toLocaleString('en')} finished events + writes of it: ${best(full).toFixed(3)} ms`);
  console.log(`  ratio ${ratio.toFixed(2)} (target ≤ 1.20)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
