import { Kysely, PostgresDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { POSTGRES_BACKEND, type CommitDurability } from './backend';
import type { CompanionStore } from './companion-store';
import { SecretKeyError, StoreOpenError } from './errors';
import { KyselyCompanionStore } from './kysely-store';
import { migrateToLatest } from './migrations';
import type { CompanionDatabase } from './schema';
import { SecretBox } from './secret-box';
import { SECRET_KEY_ENV, secretKeyFromEnv } from './secret-key';
import { checkStoreKey } from './store-key-check';

export const DATABASE_URL_ENV = 'DATABASE_URL';
export const DB_POOL_SIZE_ENV = 'INCIDENT_SN_DB_POOL_SIZE';
/** Connections each replica keeps open at most: the webhook, the workers and the API share them. */
export const DEFAULT_POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 5000;

export interface OpenPostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`). */
  url: string;
  /** Where INCIDENT_SN_SECRET_KEY is read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  clock?: () => Date;
  migrations?: MigrationProvider;
  /** Connections in this process's pool; default INCIDENT_SN_DB_POOL_SIZE, else 10. */
  poolSize?: number;
  /** Default `full`; `relaxed` (synchronous_commit = off on this pool's sessions) only for the catalog importer. */
  commitDurability?: CommitDurability;
}

export interface PostgresCompanionStore extends CompanionStore {
  readonly backend: 'postgres';
  /** The database, for messages: `postgres://user@host:port/database`, never the password. */
  readonly location: string;
  readonly key: { source: 'env'; created: false; id: string };
}

/** A database URL, checked; throws StoreOpenError naming what is wrong (never echoing a password). */
export function parseDatabaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StoreOpenError(`${DATABASE_URL_ENV} (or --database-url) is not a URL: expected postgres://user:password@host:5432/database.`, {
      code: 'database_url_invalid',
    });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new StoreOpenError(
      `${DATABASE_URL_ENV} (or --database-url) must start with postgres:// (found ${url.protocol}//); leave it unset to use the SQLite file.`,
      { code: 'database_url_invalid' },
    );
  }
  if (url.hostname === '' || url.pathname.replace(/^\//, '') === '') {
    throw new StoreOpenError(`${DATABASE_URL_ENV} (or --database-url) must name a host and a database: postgres://user:password@host:5432/database.`, {
      code: 'database_url_invalid',
    });
  }
  return url;
}

/** `postgres://user@host:port/database`: the URL without its password or options. */
export function describeDatabaseUrl(url: URL): string {
  const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
  return `postgres://${user}${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

function poolSizeOf(options: OpenPostgresStoreOptions, env: NodeJS.ProcessEnv): number {
  if (options.poolSize !== undefined) return options.poolSize;
  const text = env[DB_POOL_SIZE_ENV];
  if (text === undefined || text.trim() === '') return DEFAULT_POOL_SIZE;
  const size = Number(text);
  if (!Number.isInteger(size) || size < 2 || size > 200) {
    throw new StoreOpenError(`${DB_POOL_SIZE_ENV} must be a whole number from 2 to 200 (found ${JSON.stringify(text.slice(0, 20))}).`, {
      code: 'database_pool_size_invalid',
    });
  }
  return size;
}

/**
 * Opens the companion's PostgreSQL database, shared by every replica: the key comes from
 * INCIDENT_SN_SECRET_KEY only (replicas have no common folder for a key file), the database must
 * answer within 5 s, the migrations run under kysely's migration lock (a PostgreSQL advisory lock,
 * so replicas starting together apply each migration once), and a key other than the one the
 * database's secrets are sealed with is refused before anything is written.
 */
export async function openPostgresStore(options: OpenPostgresStoreOptions): Promise<PostgresCompanionStore> {
  const env = options.env ?? process.env;
  const url = parseDatabaseUrl(options.url);
  const location = describeDatabaseUrl(url);
  const key = secretKeyFromEnv(env);
  if (key === undefined) {
    throw new SecretKeyError(
      `${SECRET_KEY_ENV} is not set. On PostgreSQL every replica must be given the same key through ${SECRET_KEY_ENV} ` +
        `(for example the output of \`openssl rand -base64 32\`, kept in your secret manager).`,
      { code: 'secret_key_missing' },
    );
  }
  const box = new SecretBox(key);
  const clock = options.clock ?? (() => new Date());

  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSizeOf(options, env),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Set for the session when it starts, so it holds for every transaction of this pool and no other.
    ...(options.commitDurability === 'relaxed' ? { options: '-c synchronous_commit=off' } : {}),
  });
  // A connection the server dropped (restart, failover) must not crash the process: its query in
  // progress fails (the caller retries; /healthz says 503), the pool discards it, and the next query
  // opens a new one. Idle clients report on the pool, checked-out ones on themselves.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreOpenError(
      `Cannot reach PostgreSQL at ${url.hostname}:${url.port || '5432'} (database ${location}): ${(err as Error).message}. ` +
        `Check ${DATABASE_URL_ENV} and that the server is running and accepts connections from here.`,
      { code: 'database_unreachable', cause: err },
    );
  }

  const db = new Kysely<CompanionDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, options.migrations);
    await checkStoreKey(db, box, location, clock());
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const store = new KyselyCompanionStore(db, box, clock, POSTGRES_BACKEND);
  return Object.assign(store, { backend: 'postgres' as const, location, key: { source: 'env' as const, created: false as const, id: box.keyId } });
}
