import crypto from 'node:crypto';
import { ServiceNowConnection, ServiceNowHttpError, SyncApiClient, TableClient, encodedQuery, type SyncHealth } from '../companion/client';
import { verifyPushSignature } from '../companion/webhooks/verify-signature';
import { IncidentSnError, describeError } from '../shared/errors';
import { checkPushEvent } from '../shared/push-event-schema';
import { EVENT_TYPE } from '../server/contract/push-event';
import { startSmokeReceiver, type SmokeReceiver, type ReceivedSmokePush } from './receiver';

/**
 * The release smoke test against a real instance (or the local one): the app is installed, /health
 * answers, a change to a throw-away incident is pushed and its signature verifies, and the incident is
 * deleted again. It installs nothing and leaves no incident, outbox event or changed setting behind
 * (except what the app's API cannot undo, which it reports).
 *
 * Two ways to see the push:
 * - `receiver` (default): a receiver started here, which the instance must reach (`publicUrl`: a
 *   tunnel to this machine for a real instance). It points the app at the receiver with a fresh
 *   secret, so it refuses to run while a secret is configured (a connected companion would then reject
 *   pushes) unless `replaceSecret`; afterwards it puts the webhook URL and `enabled` back.
 * - `companion`: the configured companion receives it, unchanged. The companion verifies every
 *   signature and answers 2xx only for a valid one, so the outbox event's delivered state and 2xx
 *   status prove it.
 */

export type SmokeMode = 'receiver' | 'companion';

export interface SmokeOptions {
  /** The instance: a full URL, `name.service-now.com` or the subdomain. */
  instance: string;
  /** A user who may call the app's API, create and delete incidents and delete outbox events (an admin of a developer instance). */
  username: string;
  password: string;
  mode: SmokeMode;
  /** Receiver mode: where to listen (default 127.0.0.1, port 0 = any free port). */
  listenHost?: string;
  listenPort?: number;
  /** Receiver mode: the URL the instance posts to (default http://<listenHost>:<port>/, which only a local instance reaches). */
  publicUrl?: string;
  /** Receiver mode: replace a configured signing secret (a connected companion must then be connected again). */
  replaceSecret?: boolean;
  /** How long to wait for each push (default 60 s). */
  timeoutMs?: number;
  /** Polling interval of the outbox in companion mode (default 1 s). */
  pollIntervalMs?: number;
}

export interface SmokeStep {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SmokeResult {
  ok: boolean;
  steps: SmokeStep[];
}

export class SmokeTestError extends IncidentSnError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'smoke_failed', ...(options.cause !== undefined ? { cause: options.cause } : {}) });
  }
}

const OUTBOX = 'x_incident_io_outbound_event';

interface Delivered {
  event_id: string;
  state: string;
  http_status: number;
}

export async function runSmoke(options: SmokeOptions, report: (step: SmokeStep) => void = () => {}): Promise<SmokeResult> {
  const steps: SmokeStep[] = [];
  const record = (name: string, ok: boolean, detail: string): void => {
    const step = { name, ok, detail };
    steps.push(step);
    report(step);
  };
  const connection = new ServiceNowConnection({
    instance: options.instance,
    credentials: { kind: 'basic', username: options.username, password: options.password },
    userAgent: 'incident-sn-smoke',
  });
  const api = new SyncApiClient(connection);
  const table = new TableClient(connection);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let receiver: SmokeReceiver | null = null;
  let restore: (() => Promise<string>) | null = null;
  let incident: { sys_id: string; number: string } | null = null;
  let deleted = false;
  let failure: unknown = null;
  // Receiver mode: the fresh signing secret the app signs with during the test (never printed).
  let secret = '';

  try {
    const health = await appHealth(api, options.instance);
    record('the app is installed', true, `${health.app.scope} ${health.app.version} on instance "${health.instance}"`);
    record('GET /health answers', true, healthSummary(health));
    if (health.config.integration_user && health.config.integration_user.toLowerCase() === options.username.toLowerCase()) {
      throw new SmokeTestError(
        `"${options.username}" is the app's integration user: its changes are never pushed (no echo). Run the smoke test as another user (an admin of the instance).`,
        { code: 'smoke_integration_user' },
      );
    }

    if (options.mode === 'receiver') {
      if (health.config.signing_secret_set && !options.replaceSecret) {
        throw new SmokeTestError(
          'the app already has a signing secret (a companion is connected): pointing it at this receiver would replace the secret, which the API cannot read back. ' +
            'Run with --via-companion to verify through the configured companion, or pass --replace-secret and run incident-sn connect again afterwards.',
          { code: 'smoke_secret_configured' },
        );
      }
      receiver = await startSmokeReceiver(options.listenHost ?? '127.0.0.1', options.listenPort ?? 0);
      const url = options.publicUrl ?? receiver.url;
      secret = crypto.randomBytes(32).toString('base64');
      const before = health.config;
      await api.configure({ webhook_url: url, signing_secret: secret, enabled: true });
      restore = () => restoreConfig(api, before, url);
      record('the app pushes to the receiver', true, `webhook_url ${url} with a fresh signing secret (receiver listening on ${receiver.url})`);
    } else if (!health.config.delivering) {
      throw new SmokeTestError(
        `the app is not delivering (enabled ${health.config.enabled}, webhook URL ${health.config.webhook_url ? 'set' : 'empty'}, secret ${health.config.signing_secret_set ? 'set' : 'not set'}): connect the companion first (incident-sn connect)`,
        { code: 'smoke_not_delivering' },
      );
    }

    const marker = crypto.randomBytes(4).toString('hex');
    incident = await createIncident(table, `incident.io smoke test ${marker}: safe to delete`);
    record('a throw-away incident is created', true, `${incident.number} (${incident.sys_id})`);

    const created = await seePush(EVENT_TYPE.created, incident.sys_id);
    record('its incident.created push arrives, signed', true, created);

    await table.delete('incident', incident.sys_id);
    deleted = true;
    record('the incident is deleted', true, incident.number);
    const gone = await seePush(EVENT_TYPE.deleted, incident.sys_id);
    record('its incident.deleted push arrives, signed', true, gone);
  } catch (err) {
    failure = err;
  } finally {
    if (incident && !deleted) {
      await table.delete('incident', incident.sys_id).then(
        () => record('the incident is deleted', true, `${incident!.number} (after the failure)`),
        (err) => record('the incident is deleted', false, `${incident!.number}: ${describeError(err)}; delete it by hand`),
      );
    }
    if (incident) {
      await deleteOutboxEvents(table, incident.sys_id).then(
        (n) => record('its outbox events are deleted', true, `${n} event(s)`),
        (err) => record('its outbox events are deleted', false, `${describeError(err)} (they are purged after the retention anyway)`),
      );
    }
    if (restore) {
      await restore().then(
        (detail) => record('the app configuration is put back', true, detail),
        (err) => record('the app configuration is put back', false, describeError(err)),
      );
    }
    await receiver?.close();
    await connection.close();
  }
  if (failure) record('smoke test', false, describeError(failure));
  return { ok: steps.every((s) => s.ok), steps };

  async function seePush(type: string, sysId: string): Promise<string> {
    if (receiver) {
      const push = await receiver.waitFor((p) => p.event?.type === type && p.event?.incident?.sys_id === sysId, timeoutMs).catch((err: unknown) => {
        throw new SmokeTestError(
          `${describeError(err)}. A real instance reaches a receiver on this machine only through a tunnel (--public-url https://…), or use --via-companion.`,
          { code: 'smoke_push_timeout', cause: err },
        );
      });
      return verifyAtReceiver(push);
    }
    const delivered = await deliveredEvent(table, sysId, type, timeoutMs, options.pollIntervalMs ?? 1000);
    return `event ${delivered.event_id} delivered to the companion, which answered ${delivered.http_status} (it answers 2xx only to a valid signature)`;
  }

  function verifyAtReceiver(push: ReceivedSmokePush): string {
    const schema = checkPushEvent(push.event);
    if (!schema.ok) throw new SmokeTestError(`the push does not match schema/push-event.schema.json: ${schema.errors.join('; ')}`);
    try {
      verifyPushSignature({ rawBody: push.rawBody, signatureHeader: push.signature, secrets: [secret] });
    } catch (err) {
      throw new SmokeTestError(`the push's signature does not verify: ${describeError(err)}`, { code: 'smoke_bad_signature', cause: err });
    }
    return `event ${push.event.event_id} verified (HMAC-SHA256, base64 key, base64 MAC)`;
  }
}

async function appHealth(api: SyncApiClient, instance: string): Promise<SyncHealth> {
  try {
    return await api.health();
  } catch (err) {
    if (err instanceof ServiceNowHttpError && (err.status === 400 || err.status === 404)) {
      throw new SmokeTestError(`the incident.io app is not installed on ${instance}: GET /api/x_incident_io/v1/sync/health answered ${err.status}. Install it first (npm run deploy).`, {
        code: 'smoke_app_missing',
        cause: err,
      });
    }
    throw err;
  }
}

function healthSummary(health: SyncHealth): string {
  const c = health.config;
  const outbox = Object.entries(health.outbox)
    .map(([state, n]) => `${state} ${n}`)
    .join(', ');
  return `enabled ${c.enabled}, delivering ${c.delivering}, secret ${c.signing_secret_set ? 'set' : 'not set'}; outbox: ${outbox || 'empty'}`;
}

async function createIncident(table: TableClient, text: string): Promise<{ sys_id: string; number: string }> {
  const created = await table.create<{ sys_id: string; number: string }>('incident', { short_description: text, description: 'Created by npm run smoke; deleted again at once.' });
  return { sys_id: created.sys_id, number: created.number };
}

async function deliveredEvent(table: TableClient, sysId: string, type: string, timeoutMs: number, intervalMs: number): Promise<Delivered> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no event queued yet';
  for (;;) {
    const page = await table.listPage<Record<string, string>>(OUTBOX, {
      query: encodedQuery().where('incident_sys_id', '=', sysId).and('event_type', '=', type),
      fields: ['event_id', 'state', 'attempts', 'last_http_status', 'last_error'],
      limit: 1,
    });
    const event = page.records[0];
    if (event) {
      const status = Number(event.last_http_status || 0);
      if (event.state === 'delivered') return { event_id: event.event_id!, state: event.state, http_status: status };
      last = `state ${event.state}, attempts ${event.attempts}, last status ${status}${event.last_error ? `: ${event.last_error}` : ''}`;
      if (event.state === 'failed' || event.state === 'dead') {
        throw new SmokeTestError(
          `the companion did not accept the ${type} push (${last}). A 401 means it rejected the signature: run incident-sn connect again; see incident-sn doctor.`,
          { code: 'smoke_push_refused' },
        );
      }
    }
    if (Date.now() >= deadline) throw new SmokeTestError(`no ${type} push was delivered within ${timeoutMs} ms (${last})`, { code: 'smoke_push_timeout' });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function deleteOutboxEvents(table: TableClient, sysId: string): Promise<number> {
  let n = 0;
  for await (const event of table.list<{ sys_id: string }>(OUTBOX, { query: encodedQuery().where('incident_sys_id', '=', sysId), fields: ['sys_id'] })) {
    await table.delete(OUTBOX, event.sys_id);
    n++;
  }
  return n;
}

/** Puts back what the API can put back: the webhook URL (when there was one) and `enabled`. */
async function restoreConfig(api: SyncApiClient, before: SyncHealth['config'], used: string): Promise<string> {
  if (before.webhook_url) {
    await api.configure({ webhook_url: before.webhook_url, enabled: before.enabled });
    return `webhook_url and enabled (${before.enabled}) as before; the signing secret is the smoke test's until incident-sn connect sets a new one`;
  }
  await api.configure({ enabled: false });
  return `enabled false as before; webhook_url stays ${used} and the signing secret the smoke test's (the API cannot empty them; nothing is pushed while disabled)`;
}
