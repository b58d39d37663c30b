import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, openSqliteStore, Secret, StaticMigrationProvider, type SqliteCompanionStore } from '../../../../src/companion/store';

/**
 * Migrations 0011 (timeline visibility) and 0012 (follow-ups; sync_outbound_ops rebuilt for the
 * `follow_up` kind) on a database that already holds queued writes and a timeline: rows and indexes
 * are kept, old rows read as they meant.
 */

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-followup-migration-'));
  file = path.join(dir, 'companion.db');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const BEFORE = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0011'));

function indexesOf(table: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("select name from sqlite_master where type = 'index' and tbl_name = ? and sql is not null order by name").all(table) as Array<{ name: string }>).map((r) => r.name);
  } finally {
    db.close();
  }
}

async function seedOldDatabase(): Promise<{ incidentId: string; opId: string }> {
  const store: SqliteCompanionStore = await openSqliteStore({ file, env: {}, migrations: new StaticMigrationProvider(BEFORE) });
  try {
    await store.saveConnection({
      name: 'acme', instanceUrl: 'https://acme.service-now.com', mode: 'realtime', clientId: 'c', clientSecret: new Secret('client-secret-1'),
      username: 'svc', password: new Secret('password-1'), publicUrl: 'https://companion.example.com', signingSecret: new Secret('signing-1'), integrationUser: 'svc',
    });
    const connection = { id: (await store.getConnection('acme'))!.id };
    const at = new Date('2026-11-30T10:00:00Z');
    const incidentId = '11111111-1111-4111-8111-111111111111';
    await store.sync.incidents.insertIncident({ id: incidentId, referenceNumber: 1, connectionId: connection.id, name: 'Old', summary: '', status: 'triage', severity: 'minor', lead: null, createdAt: at, updatedAt: at });
    // Written as the companion before 0011 wrote it (no visibility column).
    const db = new Database(file);
    db.prepare('insert into sync_timeline_updates (id, incident_id, source, kind, author, message, journal_sys_id, occurred_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      '22222222-2222-4222-8222-222222222222', incidentId, 'incident.io', 'update', null, 'old note', null, at.toISOString(), at.toISOString(),
    );
    db.close();
    const op = await store.sync.outbound.enqueue({ incidentId, connectionId: connection.id, kind: 'note', payload: { note: { updateId: '22222222-2222-4222-8222-222222222222', body: 'old note' } }, createdAt: at });
    return { incidentId, opId: op.id };
  } finally {
    await store.close();
  }
}

it('keeps queued writes, their indexes and the timeline; old updates read as work notes; follow_up writes are accepted', async () => {
  const { incidentId, opId } = await seedOldDatabase();
  const indexesBefore = indexesOf('sync_outbound_ops');
  expect(indexesBefore.length).toBeGreaterThan(0);

  const store = await openSqliteStore({ file, env: {} });
  try {
    const ops = await store.sync.outbound.listForIncident(incidentId);
    expect(ops.map((o) => [o.id, o.kind, o.state, o.payload.note?.body])).toEqual([[opId, 'note', 'pending', 'old note']]);
    const [update] = await store.sync.incidents.listUpdates(incidentId);
    expect(update!.visibility).toBe('work_note');

    const followUp = await store.sync.followUps.insert({
      id: '33333333-3333-4333-8333-333333333333', incidentId, connectionId: ops[0]!.connectionId, title: 'Fix it', description: '', assignee: null, status: 'outstanding',
      createdAt: new Date(), updatedAt: new Date(),
    });
    const queued = await store.sync.outbound.enqueue({ incidentId, connectionId: ops[0]!.connectionId, kind: 'follow_up', payload: { followUp: { id: followUp.id, fields: { title: 'Fix it' } } }, createdAt: new Date() });
    expect(queued.seq).toBeGreaterThan(ops[0]!.seq);
  } finally {
    await store.close();
  }
  // The rebuilt table still checks kinds.
  const db = new Database(file);
  try {
    expect(() => db.prepare("update sync_outbound_ops set kind = 'bogus' where id = ?").run(opId)).toThrow(/CHECK constraint failed/);
  } finally {
    db.close();
  }
  expect(indexesOf('sync_outbound_ops')).toEqual(indexesBefore);
  expect(indexesOf('sync_follow_ups')).toEqual(['sync_follow_ups_incident', 'sync_follow_ups_record']);
});
