import { type Kysely, type Migration } from 'kysely';

/**
 * `sync_timeline_updates.visibility`: `work_note` (internal) or `comment` (customer-visible), what a
 * timeline update written in incident.io becomes in ServiceNow, and what a ServiceNow journal entry
 * was. Null on rows written before it existed: those read as their kind (journal entries) or
 * `work_note` (incident.io's updates were all work notes then); notices have none.
 */
export const timelineVisibility: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sync_timeline_updates').addColumn('visibility', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sync_timeline_updates').dropColumn('visibility').execute();
  },
};
