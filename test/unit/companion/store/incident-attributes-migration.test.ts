import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../../src/companion/store';
import { MIGRATIONS, StaticMigrationProvider } from '../../../../src/companion/store/migrations';
import { StoredDataError } from '../../../../src/companion/store/errors';
import { saveTestConnection } from '../../../helpers/sync-store-fixture';

/** Migration 0010: incidents stored before it had their ticket made by the built-in mapping, and keep it. */

let dir: string;
let file: string;
const T0 = new Date('2026-01-01T10:00:00.000Z');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-0010-'));
  file = path.join(dir, 'companion.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('gives incidents stored before it no attributes and a ticket (exported, no template), and the new columns round-trip', async () => {
  const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0010'));
  const old = await openSqliteStore({ file, env: {}, migrations: new StaticMigrationProvider(before) });
  const connection = await saveTestConnection(old);
  await old.close();
  const raw = new Database(file);
  raw
    .prepare(
      `INSERT INTO sync_incidents (id, reference_number, connection_id, name, summary, status, severity, lead_email, version, created_at, updated_at)
       VALUES ('inc-old', 1, ?, 'old', '', 'triage', 'minor', NULL, 1, ?, ?)`,
    )
    .run(connection.id, T0.toISOString(), T0.toISOString());
  raw.close();

  const store = await openSqliteStore({ file, env: {} });
  try {
    expect(await store.sync.incidents.getIncident('inc-old')).toMatchObject({ private: false, type: null, customFields: {}, exported: true, template: null });
    await store.sync.incidents.insertIncident({
      id: 'inc-new', referenceNumber: 2, connectionId: connection.id, name: 'new', summary: '', status: 'triage', severity: 'minor', lead: null,
      private: true, type: 'Security', customFields: { regions: ['eu'] }, exported: false, template: null, createdAt: T0, updatedAt: T0,
    });
    expect(await store.sync.incidents.getIncident('inc-new')).toMatchObject({ private: true, type: 'Security', customFields: { regions: ['eu'] }, exported: false });
    expect(await store.sync.incidents.updateIncident('inc-new', 1, { exported: true, template: 'Security', customFields: {} }, T0)).toBe(true);
    expect(await store.sync.incidents.getIncident('inc-new')).toMatchObject({ exported: true, template: 'Security', customFields: {}, version: 2 });
    // A custom_fields value that cannot be read is an error naming the row, never a quiet {}.
    const broken = new Database(file);
    broken.prepare(`UPDATE sync_incidents SET custom_fields = '[1]' WHERE id = 'inc-new'`).run();
    broken.close();
    await expect(store.sync.incidents.getIncident('inc-new')).rejects.toBeInstanceOf(StoredDataError);
  } finally {
    await store.close();
  }
});
