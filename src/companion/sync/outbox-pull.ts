import { isPingEvent } from '../../server/contract/push-event';
import { OUTBOX_TABLE } from '../../server/lib/constants';
import { encodedQuery, type TableClient } from '../client';
import type { Connection } from '../store';
import { parsePushBody } from './push-event';
import { storePushEvent, type ReceivePushDeps } from '../webhooks/receive-push';

/**
 * The app's events for one record that have not been delivered yet, read from its outbox table
 * (`x_incident_io_outbound_event`, readable by the service account) and stored as if pushed. A
 * write that must know when ServiceNow changed a field (OutboundProcessor.redecide) then need not
 * wait for the app's retries, which after an outage of the companion may take minutes: the events
 * are the same (same id, same body), so the push that comes later is a duplicate. An event whose
 * body does not pass the push schema is left for its push (which the receiver refuses, saying why).
 */

/** At most this many undelivered events of one record are read at a time (the rest come next time). */
export const OUTBOX_PULL_LIMIT = 100;

export interface OutboxPullResult {
  /** Undelivered events of the record in the outbox. */
  found: number;
  /** Of those, events the companion did not have yet. */
  stored: number;
}

export async function pullOwedEvents(
  deps: Pick<ReceivePushDeps, 'store' | 'metrics' | 'clock' | 'onStored'>,
  input: { connection: Connection; table: TableClient; sysId: string; signal?: AbortSignal },
): Promise<OutboxPullResult> {
  const query = encodedQuery().where('incident_sys_id', '=', input.sysId).and('state', '!=', 'delivered').orderBy('order_key');
  const page = await input.table.listPage<{ event_id?: string; payload?: string }>(OUTBOX_TABLE, {
    query,
    fields: ['event_id', 'payload'],
    limit: OUTBOX_PULL_LIMIT,
    noCount: true,
    orderBySysId: false,
    ...(input.signal ? { signal: input.signal } : {}),
  });
  let stored = 0;
  for (const row of page.records) {
    const parsed = parsePushBody(Buffer.from(String(row.payload ?? ''), 'utf8'));
    if (!parsed.ok || isPingEvent(parsed.event)) continue;
    const event = parsed.event;
    if (event.event_id !== row.event_id || event.incident.sys_id !== input.sysId) continue;
    if (await storePushEvent(deps, input.connection, event, 'outbox')) stored += 1;
  }
  return { found: page.records.length, stored };
}
