import type Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * Kysely's SQLite driver prepares every statement on every call, and preparing costs more than
 * running most of the companion's queries. This keeps prepared statements by SQL text (kysely
 * binds values as parameters, so the texts are few), least recently used out first. A statement
 * still being iterated is busy and cannot be reused: a fresh one is prepared then.
 */
export function withStatementCache(db: Database.Database, maxStatements = 500): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = db.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > maxStatements) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}
