import { PING_EVENT_TYPE } from '../contract/push-event.ts';
import type { AppConfig } from './config.ts';
import { buildHealth, type Health } from './health.ts';
import type { OutboxStore } from './outbox-store.ts';
import { glideToIso } from './time.ts';

/** The last "Send test event" and what became of it. */
export interface LastTestEvent {
  event_id: string;
  queued_at: string;
  state: string;
  /** When it was last tried; '' while it waits. */
  attempted_at: string;
  http_status: number;
  error: string;
}

/**
 * What the app's Status page shows (incident.io → Status): GET /health's facts about the app, for
 * an admin, without the caller's own checks, plus the last test event. Never the secret.
 */
export type AppStatus = Omit<Health, 'caller'> & { last_test_event: LastTestEvent | null };

export function buildStatus(deps: { config: AppConfig; store: OutboxStore; nowMs: number; instance: string }): AppStatus {
  const health = buildHealth({ ...deps, caller: { user_name: '', roles: {}, task_access: { create: false, read: false, write: false } } });
  const ping = deps.store.latestOfType(PING_EVENT_TYPE);
  return {
    app: health.app,
    instance: health.instance,
    time: health.time,
    config: health.config,
    outbox: health.outbox,
    oldest_pending_age_seconds: health.oldest_pending_age_seconds,
    last_delivery: health.last_delivery,
    clone_detected: health.clone_detected,
    last_test_event: ping
      ? {
          event_id: ping.event_id,
          queued_at: glideToIso(ping.sys_created_on),
          state: ping.state,
          attempted_at: glideToIso(ping.last_attempt_at),
          http_status: ping.last_http_status,
          error: ping.last_error,
        }
      : null,
  };
}
