import type { SyncHealth } from '../client';
import type { Check, CheckOutcome } from '../commands/check-runner';
import type { SetupSession } from '../connect/setup-session';

/**
 * What doctor adds to the setup checks: the app's own view of its deliveries (GET /health). They
 * apply only to a real-time connection whose app answered; otherwise they say so and pass, since
 * the checks above already report why.
 */

/** An undelivered event older than this means deliveries are failing or stuck. */
export const BACKLOG_THRESHOLD_SECONDS = 5 * 60;

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} seconds`;
  if (seconds < 2 * 3600) return `${Math.floor(seconds / 60)} minutes`;
  if (seconds < 2 * 86400) return `${Math.floor(seconds / 3600)} hours`;
  return `${Math.floor(seconds / 86400)} days`;
}

/** The findings run only when the app's health was read (the app check above says why not). */
function cannotRun(session: SetupSession): string | undefined {
  return session.appProbeResult?.kind === 'installed' ? undefined : "the app's health could not be read (see the app check above)";
}

async function withHealth(session: SetupSession, judge: (health: SyncHealth, webhookUrl: string, name: string) => CheckOutcome): Promise<CheckOutcome> {
  const probe = await session.appProbe();
  if (probe.kind !== 'installed') return { ok: false, message: "The app's health could not be read (see the app check above)" };
  return judge(probe.health, session.push.webhookUrl, session.connectionName);
}

function identity(name: string, url: string): string {
  return `${name || '(no instance_name)'} (${url || 'no glide.servlet.uri'})`;
}

export const cloneDetected: Check<SetupSession> = {
  id: 'clone-detected',
  title: 'the app runs on the instance it was configured on',
  step: null,
  cannotRun,
  run: (session) =>
    withHealth(session, (health, _url, name) => {
      const clone = health.clone_detected;
      if (!clone) return { ok: true, message: 'The app runs on the instance it was configured on' };
      return {
        ok: false,
        message:
          `The app was configured on ${identity(clone.recorded.name, clone.recorded.url)} but runs on ` +
          `${identity(clone.current.name, clone.current.url)}: the instance was cloned, so the app queues and sends ` +
          `nothing — fix: if this instance should push to incident.io, run incident-sn connect --name ${name} against it ` +
          `(events queued before the clone are never sent from it); otherwise leave it as it is`,
      };
    }),
};

export const deadEvents: Check<SetupSession> = {
  id: 'dead-events',
  title: 'no dead events',
  step: null,
  cannotRun,
  run: (session) =>
    withHealth(session, (health, _url, name) => {
      const dead = health.outbox.dead ?? 0;
      if (dead === 0) return { ok: true, message: 'No dead events in the outbox' };
      return {
        ok: false,
        message:
          `${dead} event${dead === 1 ? '' : 's'} could not be delivered after every retry and ${dead === 1 ? 'is' : 'are'} ` +
          `dead — fix: remove the cause (see the last delivery), then resend: incident-sn resend --name ${name} ` +
          `--since "<when the failures began>" (or --incident <number>), which calls POST /api/x_incident_io/v1/sync/resend`,
      };
    }),
};

export const deliveryBacklog: Check<SetupSession> = {
  id: 'delivery-backlog',
  title: 'no event waits too long',
  step: null,
  cannotRun,
  run: (session) =>
    withHealth(session, (health, webhookUrl) => {
      const age = health.oldest_pending_age_seconds;
      const waiting = (health.outbox.queued ?? 0) + (health.outbox.sending ?? 0) + (health.outbox.failed ?? 0);
      if (age === null || age <= BACKLOG_THRESHOLD_SECONDS) {
        return { ok: true, message: `No undelivered event older than ${duration(BACKLOG_THRESHOLD_SECONDS)} (${waiting} waiting)` };
      }
      return {
        ok: false,
        message:
          `The oldest undelivered event has waited ${duration(age)} (${waiting} waiting): deliveries are failing or ` +
          `stuck — fix: make sure the companion is running and ${webhookUrl} is reachable from the instance; the app ` +
          `retries with backoff (see the last delivery)`,
      };
    }),
};

export const lastDelivery: Check<SetupSession> = {
  id: 'last-delivery',
  title: 'the last delivery succeeded',
  step: null,
  cannotRun,
  run: (session) =>
    withHealth(session, (health, webhookUrl) => {
      const last = health.last_delivery;
      if (!last) return { ok: true, message: 'No delivery attempted yet' };
      const succeeded = last.state === 'delivered' && last.http_status >= 200 && last.http_status < 300;
      if (succeeded) return { ok: true, message: `The last delivery succeeded (${last.at}, HTTP ${last.http_status})` };
      const answer = last.http_status > 0 ? `HTTP ${last.http_status}` : 'no answer';
      return {
        ok: false,
        message:
          `The last delivery failed (${last.at}, event ${last.event_id}, ${answer}${last.error ? `: ${last.error}` : ''}; ` +
          `now ${last.state}) — fix: make sure the companion is running and ${webhookUrl} is reachable from the ` +
          `instance${last.http_status === 401 || last.http_status === 400 ? ', and that the signing secret matches (run incident-sn connect again)' : ''}`,
      };
    }),
};

/** Only for real-time connections: a polling one has no deliveries. */
export const HEALTH_FINDINGS: readonly Check<SetupSession>[] = [cloneDetected, deadEvents, deliveryBacklog, lastDelivery];
