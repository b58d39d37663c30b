import type { CloneDetected } from './clone-guard.ts';
import { summarizeConfig, type AppConfig, type ConfigSummary } from './config.ts';
import { APP_VERSION, SCOPE } from './constants.ts';
import type { OutboxStore } from './outbox-store.ts';
import { glideToIso, parseGlideDateTime } from './time.ts';

/** Who called the API and what they can do: lets Connect check the setup guide's steps 3 and 4. */
export interface CallerInfo {
  user_name: string;
  /** For each role the service account needs: held directly, inherited or through admin. */
  roles: { [role: string]: boolean };
  /** Record ACL decisions on `task` for the caller (setup guide step 4). */
  task_access: { create: boolean; read: boolean; write: boolean };
}

export interface LastDelivery {
  at: string;
  event_id: string;
  state: string;
  http_status: number;
  error: string;
}

/** Body of GET /api/x_incident_io/v1/sync/health (inside the platform's {"result": …}). */
export interface Health {
  app: { scope: string; version: string };
  instance: string;
  time: string;
  /** The configuration (never the secret); `delivering` is true when pushes can go out. */
  config: ConfigSummary;
  outbox: { [state: string]: number };
  /** Age of the oldest event not yet delivered (queued, sending or failed); null when there is none. */
  oldest_pending_age_seconds: number | null;
  last_delivery: LastDelivery | null;
  /**
   * Set when the instance is not the one PUT /config recorded (it was cloned): the identity recorded
   * and the current one. Nothing is queued or sent until a new PUT /config.
   */
  clone_detected: CloneDetected | null;
  caller: CallerInfo;
}

export function buildHealth(deps: {
  config: AppConfig;
  store: OutboxStore;
  nowMs: number;
  instance: string;
  caller: CallerInfo;
}): Health {
  const { config, store, nowMs } = deps;
  const oldest = store.oldestPending();
  const oldestMs = oldest ? parseGlideDateTime(oldest.sys_created_on) : null;
  const last = store.lastAttempted();
  return {
    app: { scope: SCOPE, version: APP_VERSION },
    instance: deps.instance,
    time: new Date(nowMs).toISOString(),
    config: summarizeConfig(config),
    outbox: store.countsByState(),
    oldest_pending_age_seconds: oldestMs === null ? null : Math.max(0, Math.floor((nowMs - oldestMs) / 1000)),
    last_delivery: last
      ? {
          at: glideToIso(last.last_attempt_at),
          event_id: last.event_id,
          state: last.state,
          http_status: last.last_http_status,
          error: last.last_error,
        }
      : null,
    clone_detected: config.clone,
    caller: deps.caller,
  };
}
