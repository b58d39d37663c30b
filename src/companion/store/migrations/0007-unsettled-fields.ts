import { type Kysely, type Migration } from 'kysely';

/**
 * `sync_links.unsettled_fields`: ServiceNow fields whose value in the link's snapshot is older than
 * `last_applied_mod_count`, each with the version it was taken from. A version the companion did
 * not get pushed (a write's answer, a read) shows that such a field changed but not when; while an
 * incident.io write to it waits, the field is left for the app's push, which says when (docs/sync.md,
 * "Versioned writes"). A JSON object; `{}` when every field is as of the last applied version.
 *
 * `sync_links.own_writes`: per ServiceNow field, the companion's last write of it: the version it was
 * decided on, the version it made, and when incident.io's change was made. A push of a change made
 * between the two (in the window between the read and the write) that is later than incident.io's
 * change is restored (decideRecordChange).
 */
export const unsettledFields: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sync_links').addColumn('unsettled_fields', 'text', (c) => c.notNull().defaultTo('{}')).execute();
    await db.schema.alterTable('sync_links').addColumn('own_writes', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sync_links').dropColumn('own_writes').execute();
    await db.schema.alterTable('sync_links').dropColumn('unsettled_fields').execute();
  },
};
