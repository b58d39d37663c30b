import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql, type Migration } from 'kysely';
import {
  ConnectionConflictError,
  InvalidConnectionError,
  MIGRATIONS,
  openSqliteStore,
  Secret,
  SecretDecryptionError,
  SECRET_KEY_ENV,
  StaticMigrationProvider,
  StoreOpenError,
  type ConnectionInput,
  type SqliteCompanionStore,
} from '../../../../src/companion/store';
import { openTestStore, STORE_BACKENDS, type TestStore } from '../../../helpers/store-backends';

let dir: string;
let file: string;
const open: SqliteCompanionStore[] = [];

async function openStore(options: Parameters<typeof openSqliteStore>[0] = {}): Promise<SqliteCompanionStore> {
  const store = await openSqliteStore({ file, env: {}, ...options });
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-store-'));
  file = path.join(dir, 'data', 'companion.db');
});
afterEach(async () => {
  for (const store of open.splice(0)) await store.close().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

function input(overrides: Partial<ConnectionInput> = {}): ConnectionInput {
  return {
    name: 'acme',
    instanceUrl: 'https://acme.service-now.com',
    mode: 'realtime',
    clientId: 'client-id-1',
    clientSecret: new Secret('client-secret-plain-1'),
    username: 'svc_incident_io',
    password: new Secret('password-plain-1'),
    publicUrl: 'https://companion.example.com',
    signingSecret: new Secret('signing-secret-plain-1'),
    integrationUser: 'svc_incident_io',
    ...overrides,
  };
}

function rawRows(): Array<Record<string, unknown>> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT * FROM connections').all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

describe('openSqliteStore: files and migrations', () => {
  it('creates the folder, the database (mode 0600), the key file and the schema on a fresh start', async () => {
    const store = await openStore();
    expect(store.file).toBe(file);
    expect(store.key).toMatchObject({ source: 'file', file: path.join(dir, 'data', 'secret.key'), created: true });
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await store.close();
    open.length = 0;
    const db = new Database(file, { readonly: true });
    const migrations = db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as Array<{ name: string }>;
    const columns = db.prepare("SELECT name FROM pragma_table_info('connections')").all() as Array<{ name: string }>;
    db.close();
    expect(migrations.map((m) => m.name)).toEqual(Object.keys(MIGRATIONS));
    expect(columns.map((c) => c.name)).toEqual(expect.arrayContaining(['name', 'instance_url', 'password_sealed', 'last_check_status']));
  });

  it('reopens an existing database without re-running migrations and keeps its data', async () => {
    const first = await openStore();
    await first.saveConnection(input());
    await first.close();
    open.length = 0;
    const second = await openStore();
    expect(second.key.created).toBe(false);
    expect((await second.getConnection('acme'))?.password.reveal()).toBe('password-plain-1');
    const db = new Database(file, { readonly: true });
    const count = db.prepare('SELECT count(*) AS n FROM kysely_migration').get() as { n: number };
    db.close();
    expect(count.n).toBe(Object.keys(MIGRATIONS).length);
  });

  it('applies a later migration to an existing database, keeping the rows', async () => {
    const first = await openStore();
    await first.saveConnection(input());
    await first.close();
    open.length = 0;
    const addColumn: Migration = {
      async up(db) {
        await db.schema.alterTable('connections').addColumn('note', 'text').execute();
        await sql`update connections set note = 'migrated'`.execute(db);
      },
    };
    const upgraded = await openStore({ migrations: new StaticMigrationProvider({ ...MIGRATIONS, '9000-add-note': addColumn }) });
    expect((await upgraded.listConnections()).map((c) => c.name)).toEqual(['acme']);
    await upgraded.close();
    open.length = 0;
    expect(rawRows()[0]).toMatchObject({ name: 'acme', note: 'migrated' });
  });

  it('refuses a database written by a companion that knows more migrations', async () => {
    const first = await openStore({ migrations: new StaticMigrationProvider({ ...MIGRATIONS, '0099-from-the-future': { async up() {} } }) });
    await first.close();
    open.length = 0;
    await expect(openStore()).rejects.toMatchObject({ name: StoreOpenError.name, code: 'store_newer_schema' });
  });

  it('uses INCIDENT_SN_SECRET_KEY instead of a key file, and cannot read secrets stored under another key', async () => {
    const keyA = randomBytes(32).toString('base64');
    const a = await openStore({ env: { [SECRET_KEY_ENV]: keyA } });
    expect(a.key.source).toBe('env');
    expect(fs.existsSync(path.join(dir, 'data', 'secret.key'))).toBe(false);
    await a.saveConnection(input());
    await a.close();
    open.length = 0;

    const b = await openStore({ env: { [SECRET_KEY_ENV]: randomBytes(32).toString('base64') } });
    // Listing needs no secret, so it still works and shows what is stored.
    expect((await b.listConnections()).map((c) => c.name)).toEqual(['acme']);
    await expect(b.getConnection('acme')).rejects.toThrow(SecretDecryptionError);
    await expect(b.getConnection('acme')).rejects.toThrow(a.key.id);
  });

  it('refuses to open with a malformed environment key before touching the database', async () => {
    await expect(openStore({ env: { [SECRET_KEY_ENV]: 'bm90LWEta2V5' } })).rejects.toThrow(/INCIDENT_SN_SECRET_KEY decodes to 9 bytes/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe.each(STORE_BACKENDS)('store on %s: connections', (backend) => {
  const stores: TestStore[] = [];
  const openStore = async (options: { clock?: () => Date } = {}): Promise<TestStore> => {
    const store = await openTestStore(backend, { dir, ...options });
    stores.push(store);
    return store;
  };
  const rawRows = () => stores[0]!.query('SELECT * FROM connections ORDER BY name');
  const rawUpdate = (statement: string) => stores[0]!.query(statement);
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => undefined);
  });

  it('round-trips a connection, with every secret encrypted at rest', async () => {
    const now = new Date('2026-01-02T03:04:05.000Z');
    const store = await openStore({ clock: () => now });
    const saved = await store.saveConnection(input());
    expect(saved).toMatchObject({ created: true, changed: true, rotated: false });

    const loaded = (await store.getConnection('acme'))!;
    expect(loaded).toMatchObject({
      name: 'acme',
      instanceUrl: 'https://acme.service-now.com',
      mode: 'realtime',
      clientId: 'client-id-1',
      username: 'svc_incident_io',
      publicUrl: 'https://companion.example.com',
      integrationUser: 'svc_incident_io',
      previousSigningSecret: null,
      lastCheck: null,
    });
    expect(loaded.createdAt).toEqual(now);
    expect(loaded.clientSecret.reveal()).toBe('client-secret-plain-1');
    expect(loaded.password.reveal()).toBe('password-plain-1');
    expect(loaded.signingSecret?.reveal()).toBe('signing-secret-plain-1');
    expect((await store.getConnectionByInstance('https://acme.service-now.com'))?.id).toBe(loaded.id);

    // Not in the database (its file, or its rows), not in JSON.
    const dbBytes =
      store.backend === 'sqlite'
        ? fs.readFileSync(store.file).toString('latin1') + (fs.existsSync(`${store.file}-wal`) ? fs.readFileSync(`${store.file}-wal`).toString('latin1') : '')
        : JSON.stringify(await rawRows());
    const json = JSON.stringify(loaded);
    for (const plain of ['client-secret-plain-1', 'password-plain-1', 'signing-secret-plain-1']) {
      expect(dbBytes).not.toContain(plain);
      expect(json).not.toContain(plain);
    }
    expect((await rawRows())[0]!.password_sealed).toMatch(/^v1\.[0-9a-f]{16}\./);
  });

  it('moves a connection to its instance\'s new address, keeping its id, and refuses another\'s address', async () => {
    let now = new Date('2026-01-01T00:00:00.000Z');
    const store = await openStore({ clock: () => now });
    const { connection } = await store.saveConnection(input());
    await store.saveConnection(input({ name: 'other', instanceUrl: 'https://other.service-now.com' }));
    now = new Date('2026-01-01T00:05:00.000Z');

    expect(await store.moveConnection('acme', 'http://127.0.0.1:9090')).toBe(true);
    const moved = (await store.getConnection('acme'))!;
    expect(moved.id).toBe(connection.id);
    expect(moved.instanceUrl).toBe('http://127.0.0.1:9090');
    expect(moved.updatedAt).toEqual(now);
    expect(moved.password.reveal()).toBe('password-plain-1');
    expect(await store.getConnectionByInstance('https://acme.service-now.com')).toBeUndefined();

    expect(await store.moveConnection('acme', 'http://127.0.0.1:9090')).toBe(false);
    expect(await store.moveConnection('nobody', 'http://127.0.0.1:9091')).toBe(false);
    await expect(store.moveConnection('acme', 'https://other.service-now.com')).rejects.toThrow('already connected as "other"');
  });

  it('is idempotent: saving the same input again writes nothing', async () => {
    let now = new Date('2026-01-01T00:00:00.000Z');
    const store = await openStore({ clock: () => now });
    await store.saveConnection(input());
    const before = (await rawRows())[0];
    now = new Date('2026-01-01T01:00:00.000Z');
    const again = await store.saveConnection(input());
    expect(again).toMatchObject({ created: false, changed: false, rotated: false });
    expect((await rawRows())[0]).toEqual(before);
  });

  it('updates the connection of the same instance, rotating the signing secret into previous', async () => {
    let now = new Date('2026-01-01T00:00:00.000Z');
    const store = await openStore({ clock: () => now });
    await store.saveConnection(input());
    now = new Date('2026-01-01T01:00:00.000Z');
    const updated = await store.saveConnection(input({ signingSecret: new Secret('signing-secret-plain-2'), password: new Secret('password-plain-2') }));
    expect(updated).toMatchObject({ created: false, changed: true, rotated: true });
    const loaded = (await store.getConnection('acme'))!;
    expect(loaded.signingSecret?.reveal()).toBe('signing-secret-plain-2');
    expect(loaded.previousSigningSecret?.reveal()).toBe('signing-secret-plain-1');
    expect(loaded.password.reveal()).toBe('password-plain-2');
    expect(loaded.signingSecretRotatedAt).toEqual(now);
    expect(loaded.updatedAt).toEqual(now);
    expect(loaded.createdAt).toEqual(new Date('2026-01-01T00:00:00.000Z'));
    expect(await store.listConnections()).toHaveLength(1);

    // A change that keeps the signing secret keeps the previous one too.
    await store.saveConnection(input({ signingSecret: new Secret('signing-secret-plain-2'), publicUrl: 'https://other.example.com' }));
    expect((await store.getConnection('acme'))!.previousSigningSecret?.reveal()).toBe('signing-secret-plain-1');
  });

  it('switching to polling keeps the last signing secret as previous', async () => {
    const store = await openStore();
    await store.saveConnection(input());
    const saved = await store.saveConnection(input({ mode: 'polling', signingSecret: null }));
    expect(saved.rotated).toBe(true);
    const loaded = (await store.getConnection('acme'))!;
    expect(loaded.mode).toBe('polling');
    expect(loaded.signingSecret).toBeNull();
    expect(loaded.previousSigningSecret?.reveal()).toBe('signing-secret-plain-1');
  });

  it('keeps one connection per name and one per instance', async () => {
    const store = await openStore();
    await store.saveConnection(input());
    const nameTaken = store.saveConnection(input({ instanceUrl: 'https://other.service-now.com' }));
    await expect(nameTaken).rejects.toThrow(ConnectionConflictError);
    await expect(nameTaken).rejects.toMatchObject({ conflict: 'name_taken', existingName: 'acme' });
    const otherName = store.saveConnection(input({ name: 'acme-2' }));
    await expect(otherName).rejects.toMatchObject({ conflict: 'instance_has_other_name', existingName: 'acme' });
    await expect(otherName).rejects.toThrow('--name acme');
    // Several instances, each with its own name.
    await store.saveConnection(input({ name: 'beta', instanceUrl: 'http://127.0.0.1:8080', signingSecret: new Secret('other') }));
    expect((await store.listConnections()).map((c) => [c.name, c.instanceUrl])).toEqual([
      ['acme', 'https://acme.service-now.com'],
      ['beta', 'http://127.0.0.1:8080'],
    ]);
  });

  it('the database itself enforces uniqueness and the mode', async () => {
    const store = await openStore();
    await store.saveConnection(input());
    // The saved row, seen from another connection: the insert below copies it under a new id and URL.
    expect((await rawRows()).map((r) => r.name)).toEqual(['acme']);
    await expect(rawUpdate("INSERT INTO connections SELECT 'x', 'acme', 'https://b', mode, oauth_client_id, oauth_client_secret_sealed, username, password_sealed, public_url, signing_secret_sealed, previous_signing_secret_sealed, signing_secret_rotated_at, integration_user, created_at, updated_at, last_check_at, last_check_status, last_check_summary FROM connections")).rejects.toThrow(/UNIQUE|unique constraint/);
    await expect(rawUpdate("UPDATE connections SET mode = 'push'")).rejects.toThrow(/CHECK|check constraint/);
  });

  it.each([
    ['an invalid name', { name: 'Acme Prod' }, /not a valid connection name/],
    ['a name with a slash', { name: 'a/b' }, /not a valid connection name/],
    ['an instance that is not an origin', { instanceUrl: 'https://acme.service-now.com/path' }, /origin/],
    ['a plain-string secret', { password: 'plain' as unknown as Secret }, /Secret/],
    ['real-time without a signing secret', { signingSecret: null }, /needs a signing secret/],
    ['an empty username', { username: ' ' }, /username/],
  ])('refuses %s', async (_what, overrides, pattern) => {
    const store = await openStore();
    const attempt = store.saveConnection(input(overrides as Partial<ConnectionInput>));
    await expect(attempt).rejects.toThrow(InvalidConnectionError);
    await expect(attempt).rejects.toThrow(pattern);
    expect(await store.listConnections()).toEqual([]);
  });

  it('records the last check, idempotently', async () => {
    const store = await openStore();
    await store.saveConnection(input());
    const check = { at: new Date('2026-02-01T10:00:00.000Z'), status: 'attention' as const, summary: '3 dead events' };
    expect(await store.recordConnectionCheck('acme', check)).toBe(true);
    expect(await store.recordConnectionCheck('acme', check)).toBe(true);
    expect((await store.getConnection('acme'))!.lastCheck).toEqual(check);
    expect((await store.listConnections())[0]!.lastCheck).toEqual(check);
    expect(await store.recordConnectionCheck('missing', check)).toBe(false);
  });

  it('deletes, idempotently', async () => {
    const store = await openStore();
    await store.saveConnection(input());
    expect(await store.deleteConnection('acme')).toBe(true);
    expect(await store.deleteConnection('acme')).toBe(false);
    expect(await store.getConnection('acme')).toBeUndefined();
  });

  it('detects a secret altered in the database file', async () => {
    const store = await openStore();
    await store.saveConnection(input());
    const sealed = String((await rawRows())[0]!.password_sealed);
    const last = sealed.at(-2) === 'A' ? 'B' : 'A';
    await rawUpdate(`UPDATE connections SET password_sealed = '${sealed.slice(0, -2)}${last}${sealed.at(-1)}'`);
    await expect(store.getConnection('acme')).rejects.toThrow(SecretDecryptionError);
    await expect(store.getConnection('acme')).rejects.toThrow(/connections\.[0-9a-f-]+\.password_sealed failed its integrity check/);
  });

  it('detects a secret copied from another column or another row', async () => {
    const store = await openStore();
    await store.saveConnection(input());
    await store.saveConnection(input({ name: 'beta', instanceUrl: 'https://beta.service-now.com' }));
    await rawUpdate('UPDATE connections SET password_sealed = oauth_client_secret_sealed WHERE name = \'acme\'');
    await expect(store.getConnection('acme')).rejects.toThrow(SecretDecryptionError);
    await rawUpdate("UPDATE connections SET oauth_client_secret_sealed = (SELECT oauth_client_secret_sealed FROM connections WHERE name = 'acme') WHERE name = 'beta'");
    await expect(store.getConnection('beta')).rejects.toThrow(SecretDecryptionError);
  });
});
