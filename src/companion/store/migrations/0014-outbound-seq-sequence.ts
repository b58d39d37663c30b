import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * On PostgreSQL, the outbound queue's `seq` comes from a sequence, `sync_outbound_op_seq`, instead of
 * the `sync_counters` row `outbound_op`. Every queued write of every incident incremented that one
 * row, so under REPEATABLE READ / SERIALIZABLE two replicas queuing writes for different incidents
 * at once aborted each other ("could not serialize access due to concurrent update": 1,854 of the
 * replica fault suite's 1,948 conflicts). A sequence hands out numbers outside transactions: never a
 * conflict, gaps allowed. `seq` orders one incident's writes, and those are queued one after another
 * under the incident's lock, so each incident's numbers still rise in commit order.
 * The sequence starts after the highest number the counter or the queue holds. SQLite keeps the
 * counter (one writer at a time, no conflicts): nothing changes there.
 */
export const outboundSeqSequence: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`create sequence sync_outbound_op_seq`.execute(db);
    await sql`
      select setval('sync_outbound_op_seq',
        greatest(
          coalesce((select value from sync_counters where name = 'outbound_op'), 0),
          coalesce((select max(seq) from sync_outbound_ops), 0)
        ) + 1, false)`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`
      insert into sync_counters (name, value)
      values ('outbound_op', (select coalesce(max(seq), 0) from sync_outbound_ops))
      on conflict (name) do update set value = greatest(sync_counters.value, excluded.value)`.execute(db);
    await sql`drop sequence sync_outbound_op_seq`.execute(db);
  },
};
