import type { SyncFixture } from './sync-fixture';
import { postPush, signedPush } from './sync-pushes';
import { waitFor } from './wait-for';

/** An event of the app's outbox (`x_incident_io_outbound_event`), as the tests deliver it. */
export interface OutboxEvent {
  event_id: string;
  sequence: string;
  payload: string;
}

/** The record's events the app has not delivered, in the app's order. */
export async function undeliveredEvents(f: SyncFixture, sysId: string): Promise<OutboxEvent[]> {
  const res = await f.sn.list('x_incident_io_outbound_event', {
    sysparm_query: `incident_sys_id=${sysId}^state!=delivered^ORDERBYorder_key`,
    sysparm_fields: 'event_id,sequence,payload',
  });
  return res.result as unknown as OutboxEvent[];
}

/** Delivers one of the app's events as its push would be (same id and body), and waits until it is applied: its outcome. */
export async function deliverEvent(f: SyncFixture, sysId: string, event: OutboxEvent): Promise<string> {
  const push = signedPush(f.connection.signingSecret!.reveal(), JSON.parse(event.payload) as Record<string, unknown>);
  const answer = await postPush(f.companion.url, 'local', push);
  if (answer.status !== 200) throw new Error(`the push of event ${event.event_id} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const applied = await waitFor(async () => {
    const events = await f.companion.store.sync.inbound.listForIncident(f.connection.id, sysId);
    return events.find((e) => e.eventId === event.event_id && e.state === 'done');
  }, { message: `event ${event.event_id} to be applied` });
  return applied.outcome ?? '';
}
