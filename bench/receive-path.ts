/**
 * `npx tsx bench/receive-path.ts [pushes]`: the companion's share of the real-time path without HTTP
 * or the instance: signed pushes over 100 linked incidents, one at a time, through SyncEngine.receivePush
 * on a threaded SQLite store (verified, parsed, stored and applied in one transaction, answered).
 * Prints the wall time per push (median, p90) and the CPU per push by thread. With
 * INCIDENT_SN_LATENCY_TRACE set, the points of src/shared/latency-trace.ts are written as in bench/app-only.ts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../src/companion/store';
import { DEFAULT_MAPPING } from '../src/companion/sync/mapping';
import { SyncEngine } from '../src/companion/sync/sync-engine';
import { silentLogger } from '../src/shared/logger';
import { saveBenchConnection } from './lib/bench-connection';
import { pushBody, signBody } from './fixtures/pushes';
import { percentile } from './lib/results';
import { threadCpu } from './lib/thread-cpu';

const INCIDENTS = 100;
const SECRET = crypto.randomBytes(32).toString('base64');
const SNAPSHOT = { short_description: 'DB down', description: '', state: '2', priority: '4', impact: '3', urgency: '2', assigned_to: '', 'assigned_to.email': '', assignment_group: '', 'assignment_group.name': '', close_code: '', close_notes: '' };

function threadTimes(): Map<string, number> {
  return new Map(threadCpu().map((t) => [t.tid === process.pid ? 'main' : `${t.name}/${t.tid}`, t.user + t.system]));
}

async function main(): Promise<void> {
  const pushes = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-receive-path-'));
  const store = await openSqliteStore({ file: path.join(dir, 'companion.db'), env: {}, ownThread: true });
  const engine = new SyncEngine({ store, mapping: DEFAULT_MAPPING, logger: silentLogger(), defaultMetrics: false, idleMs: 600_000 });
  try {
    const { connection } = await saveBenchConnection(store, { signingSecret: SECRET });
    const incidents = Array.from({ length: INCIDENTS }, (_, i) => ({ sysId: i.toString(16).padStart(32, '0'), number: `INC${1000 + i}` }));
    const created = new Date();
    for (const [i, ref] of incidents.entries()) {
      const id = `incident-${i}`;
      await store.sync.incidents.insertIncident({ id, referenceNumber: i + 1, connectionId: connection.id, name: 'DB down', summary: '', status: 'triage', severity: 'minor', lead: null, createdAt: created, updatedAt: created });
      await store.sync.incidents.insertLink({ incidentId: id, connectionId: connection.id, sysId: ref.sysId, number: ref.number, lastAppliedModCount: 0, lastWrittenModCount: 0, snapshot: { ...SNAPSHOT } }, created);
    }
    let sequence = 0;
    const push = async () => {
      sequence++;
      const eventId = crypto.randomBytes(16).toString('hex');
      const body = pushBody(incidents[sequence % INCIDENTS]!, sequence, `latency ${sequence}`, eventId);
      const answer = await engine.receivePush({ connectionName: connection.name, rawBody: Buffer.from(body), signature: signBody(SECRET, body), eventIdHeader: eventId });
      if (answer.status !== 200 || answer.result !== 'stored') throw new Error(`push refused: ${JSON.stringify(answer)}`);
    };
    for (let i = 0; i < 200; i++) await push();
    const walls: number[] = [];
    const t0s = threadTimes();
    const c0 = process.cpuUsage();
    for (let i = 0; i < pushes; i++) {
      const t0 = process.hrtime.bigint();
      await push();
      walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const c1 = process.cpuUsage(c0);
    const byThread = [...threadTimes()].map(([k, v]) => [k, (v - (t0s.get(k) ?? 0)) / pushes] as const).filter(([, v]) => v >= 10).sort((a, b) => b[1] - a[1]);
    const counts = await store.sync.inbound.countByState();
    if (counts.pending + counts.processing + counts.failed > 0) throw new Error(`not every push was applied at once: ${JSON.stringify(counts)}`);
    process.stdout.write(
      `${pushes} pushes: wall p50 ${percentile(walls, 0.5).toFixed(3)} ms, p90 ${percentile(walls, 0.9).toFixed(3)} ms; CPU ${((c1.user + c1.system) / pushes).toFixed(0)} us/push ` +
        `(${byThread.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}); load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
    );
  } finally {
    await engine.stop(100);
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
