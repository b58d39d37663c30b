import { type Kysely, type Migration } from 'kysely';

/**
 * `sync_incidents` gains what the mapping's ticket templates read (docs/sync.md, "Ticket
 * templates"): `private` (0/1), `incident_type`, `custom_fields` (a JSON object), and whether the
 * incident has a ServiceNow ticket: `exported` (0 while no template matches it) and
 * `ticket_template` (the template that made it). Every incident stored before had its ticket made
 * by the built-in mapping: `exported` 1, no template.
 */
export const incidentAttributesAndTickets: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sync_incidents').addColumn('private', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('sync_incidents').addColumn('incident_type', 'text').execute();
    await db.schema.alterTable('sync_incidents').addColumn('custom_fields', 'text', (c) => c.notNull().defaultTo('{}')).execute();
    await db.schema.alterTable('sync_incidents').addColumn('exported', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('sync_incidents').addColumn('ticket_template', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const column of ['ticket_template', 'exported', 'custom_fields', 'incident_type', 'private']) {
      await db.schema.alterTable('sync_incidents').dropColumn(column).execute();
    }
  },
};
