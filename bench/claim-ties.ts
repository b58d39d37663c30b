/**
 * `node -r tsx/cjs bench/claim-ties.ts`: what a claim costs when many open rows share their due
 * time (a polled page is stored with one receivedAt, a burst stored in one group commit shares it,
 * and a new event is due when received). A fresh store (no ANALYZE, as the product leaves it) holds
 * 2,000 open events of 2,000 records, all received at the same instant, and 2,000 queued writes of
 * 2,000 incidents, all created at the same instant; then each round claims the next event and the
 * next write and finishes both. Prints the median and the slowest tenth of each claim's time, in µs,
 * with commits on disk (synchronous = FULL, the product) and not synced (the query's own cost).
 * The claims' due indexes hold their whole order (migration 0015), so no claim sorts the ties.
 *
 * Options (environment): CLAIM_TIES_OPEN=n open rows of each queue (default 2,000),
 * CLAIM_TIES_ROUNDS=n claims of each (default 500).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../src/companion/store';
import { saveBenchConnection } from './lib/bench-connection';

const OPEN = Number(process.env.CLAIM_TIES_OPEN ?? 2_000);
const ROUNDS = Math.min(Number(process.env.CLAIM_TIES_ROUNDS ?? 500), OPEN);
const T0 = new Date('2026-01-01T10:00:00.000Z');

/** The open rows, inserted with raw SQL in one transaction (the claims are what is measured). */
function seedTiedWork(file: string, connectionId: string): void {
  const sqlite = new Database(file);
  const at = T0.toISOString();
  const event = sqlite.prepare(
    `INSERT INTO sync_inbound_events (id, connection_id, event_id, source, event_type, incident_sys_id, sequence, order_key,
       occurred_at, received_at, payload, state, outcome, attempts, next_attempt_at, lease_owner, lease_expires_at, last_error, processed_at)
     VALUES (?, ?, ?, 'poll', 'incident.updated', ?, ?, ?, ?, ?, '{"type":"incident.updated"}', 'pending', NULL, 0, ?, NULL, NULL, NULL, NULL)`,
  );
  const incident = sqlite.prepare(
    `INSERT INTO sync_incidents (id, reference_number, connection_id, name, summary, status, severity, lead_email, version, created_at, updated_at)
     VALUES (?, ?, ?, ?, '', 'triage', 'minor', NULL, 1, ?, ?)`,
  );
  const op = sqlite.prepare(
    `INSERT INTO sync_outbound_ops (id, seq, incident_id, connection_id, kind, payload, state, attempts, ambiguous, next_attempt_at,
       lease_owner, lease_expires_at, last_status, last_error, result_mod_count, created_at, updated_at, completed_at)
     VALUES (?, ?, ?, ?, 'note', ?, 'pending', 0, 0, ?, NULL, NULL, NULL, NULL, NULL, ?, ?, NULL)`,
  );
  sqlite.transaction(() => {
    for (let i = 0; i < OPEN; i++) {
      const orderKey = `${String(i).padStart(10, '0')}.1.${String(T0.getTime()).padStart(15, '0')}`;
      event.run(randomUUID(), connectionId, `poll-${i}`, `record-${i}`, i, orderKey, at, at, at);
      incident.run(`inc-${i}`, i + 1, connectionId, `incident ${i}`, at, at);
      op.run(randomUUID(), i + 1, `inc-${i}`, connectionId, JSON.stringify({ note: { updateId: `u${i}`, body: 'b' } }), at, at, at);
    }
  })();
  sqlite.close();
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function measure(commitDurability: 'full' | 'relaxed'): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-bench-claim-ties-'));
  const file = path.join(dir, 'companion.db');
  const store = await openSqliteStore({ file, env: {}, commitDurability });
  try {
    const { connection } = await saveBenchConnection(store);
    seedTiedWork(file, connection.id);
    const now = new Date(T0.getTime() + 1_000);
    const inbound: number[] = [];
    const outbound: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      let start = process.hrtime.bigint();
      const event = await store.sync.inbound.claim({ owner: 'bench', now, leaseMs: 60_000 });
      inbound.push(Number(process.hrtime.bigint() - start) / 1e3);
      if (!event) throw new Error('no event was claimed');
      await store.sync.inbound.finish(event.id, 'bench', 'applied', now);
      start = process.hrtime.bigint();
      const op = await store.sync.outbound.claim({ owner: 'bench', now, leaseMs: 60_000 });
      outbound.push(Number(process.hrtime.bigint() - start) / 1e3);
      if (!op) throw new Error('no write was claimed');
      await store.sync.outbound.complete(op.id, 'bench', { modCount: 1, status: 200, at: now });
    }
    const show = (name: string, v: number[]) => {
      const sorted = [...v].sort((a, b) => a - b);
      console.log(`  ${name}: median ${quantile(sorted, 0.5).toFixed(0)} µs, p90 ${quantile(sorted, 0.9).toFixed(0)} µs`);
    };
    console.log(`commits ${commitDurability === 'full' ? 'on disk (the product)' : 'not synced (the query itself)'}:`);
    show('inbound claim ', inbound);
    show('outbound claim', outbound);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`claims with ${OPEN.toLocaleString('en')} open rows of one due time, ${ROUNDS} claims each (the first ${ROUNDS} by order):`);
  await measure('full');
  await measure('relaxed');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
