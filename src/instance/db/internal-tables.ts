import type { SqliteDatabase } from './database';

/**
 * Tables the engine keeps for itself, outside the dictionary (so the Table API never serves them).
 * Their names start with an underscore, which no dictionary table name can.
 */
export function createInternalTables(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS _instance_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT OR IGNORE INTO _instance_meta (key, value) VALUES ('metadata_version', '1');
    INSERT OR IGNORE INTO _instance_meta (key, value) VALUES ('dictionary_version', '1');
    CREATE TABLE IF NOT EXISTS _number_counters (table_name TEXT PRIMARY KEY, next_value INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS _rate_limit_counters (
      rule_id TEXT NOT NULL, user_id TEXT NOT NULL, window_start INTEGER NOT NULL, count INTEGER NOT NULL,
      PRIMARY KEY (rule_id, user_id, window_start)
    );
    CREATE TABLE IF NOT EXISTS _attachment_content (sys_id TEXT PRIMARY KEY, data BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS _pending_role_grants (
      user_name TEXT NOT NULL COLLATE NOCASE, role_name TEXT NOT NULL COLLATE NOCASE,
      PRIMARY KEY (user_name, role_name)
    );
    CREATE TABLE IF NOT EXISTS _app_installed_property_values (sys_id TEXT PRIMARY KEY, scope_id TEXT NOT NULL, value TEXT NOT NULL);
  `);
}

/** Key/value settings shared by every connection (instance key, fault settings, seed marker, …). */
export class InstanceMeta {
  private readonly getStmt;
  private readonly setStmt;
  private readonly bumpStmt;
  private readonly bumpDictionaryStmt;
  private readonly versionsStmt;
  private readonly countdownStmt;

  constructor(db: SqliteDatabase) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM _instance_meta WHERE key = ?');
    this.setStmt = db.prepare('INSERT INTO _instance_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.bumpStmt = db.prepare<[], { value: string }>(
      "UPDATE _instance_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'metadata_version' RETURNING value",
    );
    this.bumpDictionaryStmt = db.prepare("UPDATE _instance_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'dictionary_version'");
    this.versionsStmt = db.prepare<[], { m: string | null; d: string | null }>(
      "SELECT (SELECT value FROM _instance_meta WHERE key = 'metadata_version') AS m, (SELECT value FROM _instance_meta WHERE key = 'dictionary_version') AS d",
    );
    this.countdownStmt = db.prepare<[string], { value: string }>(
      'UPDATE _instance_meta SET value = CAST(value AS INTEGER) - 1 WHERE key = ? AND CAST(value AS INTEGER) > 0 RETURNING value',
    );
  }

  /** Both counters in one read: metadata (any metadata table) and dictionary (tables and columns). */
  versions(): { metadata: number; dictionary: number } {
    const row = this.versionsStmt.get();
    return { metadata: Number(row?.m ?? '0'), dictionary: Number(row?.d ?? '0') };
  }

  get(key: string): string | undefined {
    return this.getStmt.get(key)?.value;
  }

  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }

  /** Takes one from a counter setting when it is above zero (atomic across threads); false when it was zero or unset. */
  takeCountdown(key: string): boolean {
    return this.countdownStmt.get(key) !== undefined;
  }

  /** The counter every writer of metadata bumps; engines compare it before each operation. */
  metadataVersion(): number {
    return Number(this.get('metadata_version') ?? '0');
  }

  /** Bumps the metadata version (and the dictionary version when tables or columns changed). */
  bumpMetadataVersion(dictionaryChanged = false): number {
    if (dictionaryChanged) this.bumpDictionaryStmt.run();
    return Number(this.bumpStmt.get()?.value ?? '0');
  }
}
