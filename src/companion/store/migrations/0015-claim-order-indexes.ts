import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The claims' due indexes hold the claims' whole order. The inbound claim takes the open event
 * first by (next_attempt_at, received_at, id), the outbound claim the open write first by
 * (next_attempt_at, seq), but migration 0005 indexed next_attempt_at alone. Due times tie often (a
 * polled page is stored with one receivedAt, a burst stored in one group commit shares it, and a new
 * event is due when received), and with ties the database had to read every tied open row and sort
 * them to find the first. With 2,000 tied open rows on SQLite (bench/claim-ties.ts, commits not
 * synced) an inbound claim took a median 2.7 ms against 0.11 ms with the whole order indexed, an
 * outbound claim 2.1 ms against 0.26 ms. Same names and the same partial condition (the literal text
 * the claims repeat, see 0005), so the claims' INDEXED BY on SQLite still names them.
 */

const OPEN_INBOUND = sql<boolean>`state in ('pending', 'processing')`;
const OPEN_OUTBOUND = sql<boolean>`state in ('pending', 'sending')`;

export const claimOrderIndexes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('sync_inbound_events_open_due_idx').execute();
    await db.schema
      .createIndex('sync_inbound_events_open_due_idx')
      .on('sync_inbound_events')
      .columns(['next_attempt_at', 'received_at', 'id'])
      .where(OPEN_INBOUND)
      .execute();
    await db.schema.dropIndex('sync_outbound_ops_open_due_idx').execute();
    await db.schema.createIndex('sync_outbound_ops_open_due_idx').on('sync_outbound_ops').columns(['next_attempt_at', 'seq']).where(OPEN_OUTBOUND).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('sync_outbound_ops_open_due_idx').execute();
    await db.schema.createIndex('sync_outbound_ops_open_due_idx').on('sync_outbound_ops').column('next_attempt_at').where(OPEN_OUTBOUND).execute();
    await db.schema.dropIndex('sync_inbound_events_open_due_idx').execute();
    await db.schema.createIndex('sync_inbound_events_open_due_idx').on('sync_inbound_events').column('next_attempt_at').where(OPEN_INBOUND).execute();
  },
};
