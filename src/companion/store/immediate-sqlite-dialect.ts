import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

/** Kysely's SQLite driver, with transactions that take the write lock when they begin. */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * Kysely's SQLite dialect whose transactions begin IMMEDIATE. A command's store (connect, doctor,
 * import-catalog…) shares the file with a running `serve`, whose threads write on connections of
 * their own. A DEFERRED transaction that reads and then writes fails at once with SQLITE_BUSY when
 * another connection committed after its read (its snapshot is stale; busy_timeout cannot help).
 * IMMEDIATE takes the write lock first, waiting under busy_timeout, so the transaction then runs.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  private readonly driverConfig: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.driverConfig = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.driverConfig);
  }
}
