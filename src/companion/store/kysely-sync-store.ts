// The sync store over kysely: kyselySyncStore composes the six repositories, one file each
// (kysely-incident-, -inbound-, -outbound-, -poll-cursor-, -owner-, -pause-repository.ts), which
// share the row mappers, predicates and claim helpers of kysely-sync-common.ts.

import { CompiledQuery, sql, type Kysely } from 'kysely';
import { SQLITE_BACKEND, withConflictRetry, withIncidentLock, type StoreBackend } from './backend';
import { KyselyFollowUpRepository } from './kysely-follow-up-repository';
import { KyselyAttachmentRepository } from './kysely-attachment-repository';
import type { CompanionDatabase } from './schema';
import type { SyncRepositories, SyncStore, TransactionJob, TransactionJobTools, TransactionScope } from './sync-store';
import type { Db } from './kysely-sync-common';
import { KyselyIncidentRepository } from './kysely-incident-repository';
import { KyselyInboundRepository } from './kysely-inbound-repository';
import { KyselyOutboundRepository } from './kysely-outbound-repository';
import { KyselyPollCursorRepository } from './kysely-poll-cursor-repository';
import { KyselyOwnerRepository } from './kysely-owner-repository';
import { KyselyPauseRepository } from './kysely-pause-repository';

/** The repositories over one database or one transaction. */
export function repositories(db: Db, backend: StoreBackend): SyncRepositories {
  return {
    incidents: new KyselyIncidentRepository(db),
    followUps: new KyselyFollowUpRepository(db),
    attachments: new KyselyAttachmentRepository(db),
    inbound: new KyselyInboundRepository(db, backend),
    outbound: new KyselyOutboundRepository(db, backend),
    cursors: new KyselyPollCursorRepository(db),
    owners: new KyselyOwnerRepository(db),
    pauses: new KyselyPauseRepository(db),
  };
}

/** Savepoints on `db`, which is inside a transaction (named by a counter: they nest). */
export function savepointTools(db: Db): TransactionJobTools {
  let depth = 0;
  // Plain statements, not built by the query builder: one savepoint per applied event, the compile is not free.
  const run = (statement: string) => db.executeQuery(CompiledQuery.raw(statement));
  return {
    async savepoint<T>(work: () => Promise<T>): Promise<T> {
      const name = `job_${++depth}`;
      await run(`savepoint ${name}`);
      try {
        const result = await work();
        await run(`release savepoint ${name}`);
        return result;
      } catch (err) {
        await run(`rollback to savepoint ${name}`);
        await run(`release savepoint ${name}`);
        throw err;
      } finally {
        depth--;
      }
    },
  };
}

/** Runs a transaction job where the store's connection is (SqliteThread.job), instead of in a transaction of this event loop. */
export type TransactionJobRunner = <I, O>(job: TransactionJob<I, O>, input: I) => Promise<O>;

/**
 * SyncStore over kysely, with portable queries only (SQLite today, PostgreSQL later). Claims are a
 * single `UPDATE … WHERE id = (SELECT …) AND <still claimable> RETURNING *`: of two replicas racing
 * for one row, exactly one gets it. Completion is fenced by the lease owner.
 */
export function kyselySyncStore(db: Kysely<CompanionDatabase>, backend: StoreBackend = SQLITE_BACKEND, jobRunner?: TransactionJobRunner): SyncStore {
  const run = <T>(on: Kysely<CompanionDatabase>, isolation: 'serializable' | 'repeatable read', work: (tx: SyncRepositories, trx: Db) => Promise<T>) => {
    const builder = on.transaction();
    return (backend.serializableTransactions ? builder.setIsolationLevel(isolation) : builder).execute((trx) => work(repositories(trx, backend), trx));
  };
  const inTransaction = <T>(work: (tx: SyncRepositories, trx: Db) => Promise<T>, scope: TransactionScope = {}): Promise<T> => {
    const scoped = scope.incident;
    if (scoped === undefined || !backend.incidentLocks) return withConflictRetry(backend, () => run(db, 'serializable', work));
    return withConflictRetry(backend, async () => {
      const key = typeof scoped === 'string' ? scoped : await scoped();
      return db.connection().execute((conn) => withIncidentLock(conn, key, () => run(conn, 'repeatable read', work)));
    });
  };
  return {
    ...repositories(db, backend),

    /**
     * On PostgreSQL `work` may run again after a conflict, so it only touches the store.
     * - Without a scope: SERIALIZABLE.
     * - With `scope.incident`: the incident's lock first, taken on the transaction's own connection
     *   before BEGIN, then REPEATABLE READ. Every transaction that decides an incident's state holds
     *   that lock, so they run one after another and each snapshot is taken after the previous one
     *   committed (a lock taken inside the transaction would come after its snapshot). What other
     *   work changes meanwhile (claims, leases) is fenced by lease owners, and a row changed after the
     *   snapshot still aborts the update (a conflict, run again). SERIALIZABLE there would add only
     *   false conflicts: PostgreSQL's predicate locks cover whole pages of these small tables, so
     *   transactions about different incidents aborted each other (the replica fault suite saw 17
     *   API calls fail that way after every retry, with the locks already in place).
     * SQLite has one writer: every transaction is serializable, and the scope changes nothing.
     */
    transaction<T>(work: (tx: SyncRepositories) => Promise<T>, scope: TransactionScope = {}): Promise<T> {
      return inTransaction((tx) => work(tx), scope);
    },

    singleWriter: backend.kind === 'sqlite',

    runJob<I, O>(job: TransactionJob<I, O>, input: I, scope?: TransactionScope): Promise<O> {
      if (jobRunner) return jobRunner(job, input);
      return inTransaction((tx, trx) => job.run(tx, input, savepointTools(trx)), scope);
    },

    async ping(): Promise<void> {
      await sql`select 1`.execute(db);
    },
  };
}

