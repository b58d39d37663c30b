/**
 * `npx tsx bench/apply-cpu.ts [events] [--dir=DIR] [--cpu-prof]`: the companion's CPU per applied
 * ServiceNow change on the SQLite store's thread, without the webhook or the network: a quiet push
 * stored and applied in one job (STORE_AND_APPLY_INBOUND, the webhook's path when the queue is
 * quiet), then stored events claimed and applied by the apply worker's job (CLAIM_AND_APPLY_INBOUND),
 * one event per job over 100 linked incidents. Prints, per applied event, the process's CPU (both
 * threads), the wall time, and the statements the store's thread ran and compiled (SqliteThreadStats).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../src/companion/store';
import type { SqliteThreadStats } from '../src/companion/store/sqlite-thread';
import type { NewInboundEvent } from '../src/companion/store/sync-store';
import { ConnectionRegistry } from '../src/companion/sync/connection-registry';
import { InboundProcessor } from '../src/companion/sync/inbound-processor';
import { DEFAULT_MAPPING } from '../src/companion/sync/mapping';
import { SyncMetrics } from '../src/companion/sync/metrics';
import { orderKeyOf, type InboundChange } from '../src/companion/sync/servicenow-record';
import { silentLogger } from '../src/shared/logger';
import { saveBenchConnection } from './lib/bench-connection';
import { threadCpu } from './lib/thread-cpu';

const SNAPSHOT = { short_description: 'DB down', description: '', state: '2', priority: '2', impact: '1', urgency: '2', assigned_to: '', 'assigned_to.email': '', assignment_group: '', 'assignment_group.name': '', close_code: '', close_notes: '' };
const INCIDENTS = 100;

/** CPU (user and system, us) of this process's threads, keyed `main` (the event loop) or `name/tid`. */
function threadTimes(): Map<string, number> {
  return new Map(threadCpu().map((t) => [t.tid === process.pid ? 'main' : `${t.name}/${t.tid}`, t.user + t.system]));
}

async function main(): Promise<void> {
  const events = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2_000);
  const base = process.argv.find((a) => a.startsWith('--dir='))?.slice('--dir='.length) ?? os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'incident-sn-apply-cpu-'));
  const store = await openSqliteStore({ file: path.join(dir, 'companion.db'), env: {}, ownThread: true });
  const registry = new ConnectionRegistry(store, { logger: silentLogger() });
  try {
    const { connection } = await saveBenchConnection(store, { name: 'acme', instanceUrl: 'http://127.0.0.1:9', publicUrl: 'http://127.0.0.1:3000' });
    const metrics = new SyncMetrics({ outbound: async () => ({ pending: 0, sending: 0, done: 0, dead: 0, canceled: 0 }), inbound: async () => ({ pending: 0, processing: 0, done: 0, failed: 0 }) }, { defaultMetrics: false });
    const processor = new InboundProcessor({
      store,
      registry,
      mapping: DEFAULT_MAPPING,
      metrics,
      logger: silentLogger(),
      owner: 'bench',
      clock: () => new Date(),
      random: Math.random,
      leaseMs: 60_000,
      maxAttempts: 3,
      backoff: { baseMs: 1_000, maxMs: 60_000 },
    });
    const sysIds = Array.from({ length: INCIDENTS }, (_, i) => i.toString(16).padStart(32, '0'));
    const created = new Date();
    for (const [i, sysId] of sysIds.entries()) {
      const id = `incident-${i}`;
      await store.sync.incidents.insertIncident({ id, referenceNumber: i + 1, connectionId: connection.id, name: 'DB down', summary: '', status: 'triage', severity: 'minor', lead: null, createdAt: created, updatedAt: created });
      await store.sync.incidents.insertLink({ incidentId: id, connectionId: connection.id, sysId, number: `INC${i}`, lastAppliedModCount: 0, lastWrittenModCount: 0, snapshot: { ...SNAPSHOT } }, created);
    }
    let sequence = 0;
    // A millisecond apart, as pushes mostly are (a claim orders by due time, then by arrival: ties cost it more), all due.
    const start = Date.now() - 3_600_000;
    const update = (n: number): NewInboundEvent => {
      const sysId = sysIds[n % INCIDENTS]!;
      const at = new Date(start + sequence);
      sequence++;
      const change: InboundChange = {
        type: 'incident.updated',
        sequence,
        occurredAt: at.toISOString(),
        changedFields: ['short_description'],
        record: { sysId, number: 'INC001', modCount: sequence, updatedAt: at.toISOString(), updatedBy: 'itil.user', active: true, correlationId: null, snapshot: { ...SNAPSHOT, short_description: `v${sequence}` } },
      };
      return { connectionId: connection.id, eventId: `e-${sequence}`, source: 'push', type: change.type, incidentSysId: sysId, sequence, orderKey: orderKeyOf(change.type, sequence, at), occurredAt: at, receivedAt: at, payload: change };
    };
    const thread = store.thread!;
    const measure = async (name: string, run: () => Promise<number>) => {
      const s0 = await thread.stats();
      const t0s = threadTimes();
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const applied = await run();
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      const c1 = process.cpuUsage(c0);
      const s1 = await thread.stats();
      const per = (k: keyof SqliteThreadStats) => ((s1[k] - s0[k]) / applied).toFixed(2);
      const t1s = threadTimes();
      const byThread = [...t1s].map(([k, v]) => [k, (v - (t0s.get(k) ?? 0)) / applied] as const).filter(([, v]) => v >= 10).sort((a, b) => b[1] - a[1]);
      process.stdout.write(
        `${name.padEnd(16)} ${applied} applied: CPU ${((c1.user + c1.system) / applied).toFixed(0)} us/event (user ${(c1.user / applied).toFixed(0)}, system ${(c1.system / applied).toFixed(0)}), ` +
          `wall ${(wall / applied).toFixed(3)} ms/event; per event ${per('statements')} statements, ${per('prepared')} compiled, ${per('commits')} commits\n` +
          `${''.padEnd(16)} CPU by thread (us/event): ${byThread.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}\n`,
      );
    };
    // Warm up both jobs (the thread's modules, its statement cache, the JIT), then measure.
    for (let i = 0; i < 200; i++) await processor.storeAndApply([update(i)]);
    await store.ingest!.recordAll(Array.from({ length: 200 }, (_, i) => update(i)));
    while (await processor.step(new AbortController().signal));
    await measure('store and apply', async () => {
      let applied = 0;
      for (let i = 0; i < events; i++) {
        const [result] = await processor.storeAndApply([update(i)]);
        if (result && !result.open) applied++;
      }
      return applied;
    });
    for (let i = 0; i < events; i += 500) await store.ingest!.recordAll(Array.from({ length: Math.min(500, events - i) }, (_, j) => update(i + j)));
    await measure('claim and apply', async () => {
      let steps = 0;
      while (await processor.step(new AbortController().signal)) steps++;
      return steps;
    });
    const counts = await store.sync.inbound.countByState();
    process.stdout.write(`inbound ${JSON.stringify(counts)}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  } finally {
    await registry.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
