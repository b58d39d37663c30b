import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { openPostgresStore, openSqliteStore, type CommitDurability, type OpenedCompanionStore } from '../../../../src/companion/store';
import { createTestDatabase, TEST_SECRET_KEY, type TestDatabase } from '../../../helpers/store-backends';

/**
 * Every store commits durably (`full`) unless opened `relaxed`, which only the catalog importer does:
 * read on the store's own connection, since the setting is per connection (SQLite) or per session
 * (PostgreSQL).
 */

/** The store's own query layer (private to the store: the setting must be read on its connection). */
function dbOf(store: OpenedCompanionStore): Kysely<unknown> {
  return (store as unknown as { db: Kysely<unknown> }).db;
}

describe('SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-durability-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function synchronousOf(commitDurability?: CommitDurability): Promise<number> {
    const store = await openSqliteStore({ file: path.join(dir, 'companion.db'), env: {}, ...(commitDurability ? { commitDurability } : {}) });
    try {
      const { rows } = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(dbOf(store));
      return rows[0]!.synchronous;
    } finally {
      await store.close();
    }
  }

  it('is FULL by default, also when the file is already in WAL mode (which this SQLite build would open with NORMAL)', async () => {
    expect(await synchronousOf()).toBe(2);
    expect(await synchronousOf()).toBe(2);
  });

  it('is NORMAL only for a relaxed store, and FULL again for the next default one', async () => {
    expect(await synchronousOf('relaxed')).toBe(1);
    expect(await synchronousOf('relaxed')).toBe(1);
    expect(await synchronousOf('full')).toBe(2);
    expect(await synchronousOf()).toBe(2);
  });

  it("tunes a relaxed store's connection for the import's bulk writes (statement journal in memory, fewer checkpoints), and no other", async () => {
    const settingsOf = async (commitDurability?: CommitDurability) => {
      const store = await openSqliteStore({ file: path.join(dir, 'companion.db'), env: {}, ...(commitDurability ? { commitDurability } : {}) });
      try {
        const read = async (name: string) => Object.values((await sql.raw<Record<string, number>>(`PRAGMA ${name}`).execute(dbOf(store))).rows[0]!)[0];
        return { tempStore: await read('temp_store'), walAutocheckpoint: await read('wal_autocheckpoint'), journalSizeLimit: await read('journal_size_limit') };
      } finally {
        await store.close();
      }
    };
    expect(await settingsOf('relaxed')).toEqual({ tempStore: 2, walAutocheckpoint: 10000, journalSizeLimit: 4 * 1024 * 1024 });
    expect(await settingsOf()).toEqual({ tempStore: 0, walAutocheckpoint: 1000, journalSizeLimit: -1 });
  });
});

describe('PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    // The test server runs with synchronous_commit = off for speed; this database gets PostgreSQL's
    // own default back, which a default store must keep and only a relaxed one may turn off.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`ALTER DATABASE ${new URL(database.url).pathname.slice(1)} SET synchronous_commit = on`);
    } finally {
      await client.end();
    }
  });
  afterAll(() => database?.drop());

  async function synchronousCommitOf(commitDurability?: CommitDurability): Promise<string[]> {
    // Pool size 2, two sessions held at once: the setting must hold for every session of the pool.
    const store = await openPostgresStore({ url: database.url, env: { INCIDENT_SN_SECRET_KEY: TEST_SECRET_KEY }, poolSize: 2, ...(commitDurability ? { commitDurability } : {}) });
    try {
      const db = dbOf(store);
      const show = async (on: Kysely<unknown>) => (await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(on)).rows[0]!.synchronous_commit;
      // Two sessions held at once (the pool's both), each asked on its own connection.
      return await db.connection().execute((a) => db.connection().execute(async (b) => [await show(a), await show(b)]));
    } finally {
      await store.close();
    }
  }

  it('commits synchronously by default, and with synchronous_commit = off on every session of a relaxed store only', async () => {
    expect(await synchronousCommitOf()).toEqual(['on', 'on']);
    expect(await synchronousCommitOf('relaxed')).toEqual(['off', 'off']);
    expect(await synchronousCommitOf()).toEqual(['on', 'on']);
  });
});
