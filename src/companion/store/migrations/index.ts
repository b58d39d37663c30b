import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { StoreOpenError } from '../errors';
import { createConnections } from './0001-create-connections';
import { createCatalog } from './0003-create-catalog';
import { createSync } from './0004-create-sync';
import { syncCoreV2 } from './0005-sync-core-v2';
import { createWebUsers } from './0006-create-web-users';
import { unsettledFields } from './0007-unsettled-fields';
import { createStoreSettings } from './0008-create-store-settings';
import { createCatalogImportLeases } from './0009-create-catalog-import-leases';
import { incidentAttributesAndTickets } from './0010-incident-attributes-and-tickets';
import { timelineVisibility } from './0011-timeline-visibility';
import { createFollowUps } from './0012-create-follow-ups';
import { createAttachments } from './0013-create-attachments';
import { outboundSeqSequence } from './0014-outbound-seq-sequence';
import { claimOrderIndexes } from './0015-claim-order-indexes';

/**
 * Every migration, by name. Names sort in the order they run: add the next as
 * `000N-what-it-does.ts` and list it here. Never edit or remove one that has shipped.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-create-connections': createConnections,
  '0003-create-catalog': createCatalog,
  '0004-create-sync': createSync,
  '0005-sync-core-v2': syncCoreV2,
  '0006-create-web-users': createWebUsers,
  '0007-unsettled-fields': unsettledFields,
  '0008-create-store-settings': createStoreSettings,
  '0009-create-catalog-import-leases': createCatalogImportLeases,
  '0010-incident-attributes-and-tickets': incidentAttributesAndTickets,
  '0011-timeline-visibility': timelineVisibility,
  '0012-create-follow-ups': createFollowUps,
  '0013-create-attachments': createAttachments,
  '0014-outbound-seq-sequence': outboundSeqSequence,
  '0015-claim-order-indexes': claimOrderIndexes,
};

/** Migrations kept in code (not read from a folder at run time), so bundling cannot lose one. */
export class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: Readonly<Record<string, Migration>> = MIGRATIONS) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...this.migrations };
  }
}

/** Brings the database up to date; throws StoreOpenError saying what went wrong. */
export async function migrateToLatest<DB>(db: Kysely<DB>, provider: MigrationProvider = new StaticMigrationProvider()): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/corrupted migrations/i.test(message)) {
      throw new StoreOpenError(
        `The companion database was changed by a different version of the companion (${message}). Use that ` +
          `version, or a newer one that knows every migration applied to it.`,
        { code: 'store_newer_schema', cause: error },
      );
    }
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new StoreOpenError(
      `The companion database could not be brought up to date${failed ? ` (migration ${failed} failed)` : ''}: ${message}`,
      { code: 'store_migration_failed', cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
