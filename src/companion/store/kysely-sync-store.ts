// The sync store over kysely: kyselySyncStore composes the six repositories, one file each
// (kysely-incident-, -inbound-, -outbound-, -poll-cursor-, -owner-, -pause-repository.ts), which
// share the row mappers, predicates and claim helpers of kysely-sync-common.ts.

import { sql, type Kysely } from 'kysely';
import { SQLITE_BACKEND, withConflictRetry, type StoreBackend } from './backend';
import { KyselyFollowUpRepository } from './kysely-follow-up-repository';
import { KyselyAttachmentRepository } from './kysely-attachment-repository';
import type { CompanionDatabase } from './schema';
import type { SyncRepositories, SyncStore } from './sync-store';
import { type Db, isUniqueViolation } from './kysely-sync-common';
import { KyselyIncidentRepository } from './kysely-incident-repository';
import { KyselyInboundRepository } from './kysely-inbound-repository';
import { KyselyOutboundRepository } from './kysely-outbound-repository';
import { KyselyPollCursorRepository } from './kysely-poll-cursor-repository';
import { KyselyOwnerRepository } from './kysely-owner-repository';
import { KyselyPauseRepository } from './kysely-pause-repository';

/** The repositories over one database or one transaction. */
function repositories(db: Db, backend: StoreBackend): SyncRepositories {
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

/**
 * SyncStore over kysely, with portable queries only (SQLite today, PostgreSQL later). Claims are a
 * single `UPDATE … WHERE id = (SELECT …) AND <still claimable> RETURNING *`: of two replicas racing
 * for one row, exactly one gets it. Completion is fenced by the lease owner.
 */
export function kyselySyncStore(db: Kysely<CompanionDatabase>, backend: StoreBackend = SQLITE_BACKEND): SyncStore {
  return {
    ...repositories(db, backend),

    /** Serializable on both backends; on PostgreSQL `work` may run again after a conflict, so it only touches the store. */
    transaction<T>(work: (tx: SyncRepositories) => Promise<T>): Promise<T> {
      return withConflictRetry(backend, () => {
        const builder = db.transaction();
        return (backend.serializableTransactions ? builder.setIsolationLevel('serializable') : builder).execute((trx) => work(repositories(trx, backend)));
      });
    },

    async ping(): Promise<void> {
      await sql`select 1`.execute(db);
    },
  };
}

export { isUniqueViolation };
