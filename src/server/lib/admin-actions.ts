import { PING_EVENT_TYPE, SCHEMA_VERSION, type PingEvent } from '../contract/push-event.ts';
import { canDeliver, type AppConfig } from './config.ts';
import { cloneMessage } from './clone-guard.ts';
import { PING_ORDER_KEY } from './constants.ts';
import { orderKey } from './ordering.ts';
import type { OutboxStore } from './outbox-store.ts';
import { glideToIso, toGlideDateTime } from './time.ts';

/**
 * What an admin does from inside ServiceNow (the outbox's "Resend" and the Status page's "Send test
 * event"): the writes behind the UI actions, plain and testable. Each answers with a message for
 * the admin; nothing here sends: the outbox's async rule delivers, off the admin's transaction.
 */

export type ActionResult = { ok: true; message: string; outboxSysId: string } | { ok: false; message: string };

/** States of an event an admin may send again. Delivered events are resent with POST /resend. */
export const RESENDABLE_STATES = ['failed', 'dead'] as const;

/** The outbox's "Resend": puts one failed or dead event back in the queue, from its first attempt. */
export function resendEvent(store: OutboxStore, outboxSysId: string, nowMs: number): ActionResult {
  const event = store.get(outboxSysId);
  if (!event) return { ok: false, message: 'No outbox event ' + outboxSysId + ': it may have been purged.' };
  if ((RESENDABLE_STATES as readonly string[]).indexOf(event.state) < 0) {
    return { ok: false, message: 'Event ' + event.event_id + ' is ' + event.state + ': only failed or dead events can be resent.' };
  }
  store.update(outboxSysId, { state: 'queued', attempts: 0, next_attempt_at: toGlideDateTime(nowMs), last_error: '' });
  return { ok: true, message: 'Event ' + event.event_id + ' (' + (event.incident_number || event.event_type) + ') is queued again.', outboxSysId };
}

export interface TestEventDeps {
  config: AppConfig;
  store: OutboxStore;
  instance: string;
  nowMs: number;
  guid(): string;
}

/** Why a test event cannot go out now, or null when it can. */
export function testEventBlocker(config: AppConfig): string | null {
  if (config.clone) return cloneMessage(config.clone);
  if (!config.webhookUrl || !config.signingSecret) return 'The app is not configured: run incident-sn connect (it sets the webhook URL and the signing secret).';
  if (!config.enabled) return 'Pushes are disabled (x_incident_io.enabled is false): enable them to send a test event.';
  return null;
}

/** The Status page's "Send test event": queues a signed `ping` that the outbox's async rule delivers. */
export function queueTestEvent(deps: TestEventDeps): ActionResult {
  const blocker = testEventBlocker(deps.config);
  if (blocker || !canDeliver(deps.config)) return { ok: false, message: blocker || 'Pushes cannot be delivered now.' };
  const event: PingEvent = {
    schema_version: SCHEMA_VERSION,
    event_id: deps.guid(),
    type: PING_EVENT_TYPE,
    occurred_at: glideToIso(toGlideDateTime(deps.nowMs)),
    instance: deps.instance,
  };
  const outboxSysId = deps.store.insert({
    event_id: event.event_id,
    event_type: PING_EVENT_TYPE,
    incident_sys_id: PING_ORDER_KEY,
    incident_number: '',
    sequence: 0,
    order_key: orderKey(0, PING_EVENT_TYPE, deps.nowMs),
    payload: JSON.stringify(event),
    next_attempt_at: toGlideDateTime(deps.nowMs),
  });
  if (!outboxSysId) return { ok: false, message: 'The test event could not be queued (see the system log).' };
  return { ok: true, message: 'Test event ' + event.event_id + ' queued: its outcome shows on the Status page in a moment.', outboxSysId };
}
