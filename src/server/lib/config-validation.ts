import type { AppConfig } from './config.ts';

/** A validated change to the app's configuration (body of PUT /api/x_incident_io/v1/sync/config). */
export interface ConfigUpdate {
  webhook_url?: string;
  signing_secret?: string;
  integration_user?: string;
  enabled?: boolean;
  follow_up_table?: string;
}

export type ConfigValidation = { ok: true; update: ConfigUpdate } | { ok: false; errors: string[] };

const ALLOWED_KEYS = ['webhook_url', 'signing_secret', 'integration_user', 'enabled', 'follow_up_table'];
const TABLE_NAME = /^[a-z][a-z0-9_]{0,79}$/;
const MAX_URL_LENGTH = 2048;
export const MIN_SECRET_BYTES = 32;

// scheme://host[:port][/path?query#fragment]; the host part admits no credentials ("user:pass@").
const URL_PATTERN = /^(https?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?([/?#]\S*)?$/;

function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** null when `url` is acceptable as the push destination, else what is wrong with it. */
export function webhookUrlProblem(url: string): string | null {
  const hint = 'webhook_url must be an https:// URL; http:// is accepted only for a loopback host (localhost, 127.0.0.1, [::1])';
  if (url.length === 0) return hint + ': it is empty';
  if (url.length > MAX_URL_LENGTH) return 'webhook_url is longer than ' + MAX_URL_LENGTH + ' characters';
  const m = URL_PATTERN.exec(url);
  if (!m) return hint + ': "' + url + '" is not a URL of that form';
  const port = m[3] ? parseInt(m[3], 10) : null;
  if (port !== null && (port < 1 || port > 65535)) return 'webhook_url has an invalid port: ' + m[3];
  if (m[1] === 'http' && !isLoopback(m[2]!)) return hint + ': "' + url + '" uses http:// with a non-loopback host';
  return null;
}

/** Number of bytes a standard base64 string decodes to, or -1 when it is not standard base64. */
export function base64ByteLength(text: string): number {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return -1;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

export function signingSecretProblem(secret: string): string | null {
  if (base64ByteLength(secret) < MIN_SECRET_BYTES) {
    return (
      'signing_secret must be standard base64 encoding at least ' +
      MIN_SECRET_BYTES +
      ' random bytes (for example the output of `openssl rand -base64 32`)'
    );
  }
  return null;
}

/**
 * Checks a configuration change. Never echoes the signing secret. `userExists` looks a user name up
 * on the instance; `current` is the configuration before the change.
 */
export function validateConfigUpdate(
  body: unknown,
  context: {
    userExists: (userName: string) => boolean;
    current: AppConfig;
    /** The tables `table` extends, nearest first, itself included; empty when there is no such table. */
    tableHierarchy?: (table: string) => string[];
  },
): ConfigValidation {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, errors: ['the body must be a JSON object with any of: ' + ALLOWED_KEYS.join(', ')] };
  }
  const input = body as { [key: string]: unknown };
  const errors: string[] = [];
  const update: ConfigUpdate = {};
  const keys = Object.keys(input);
  for (const key of keys) {
    if (ALLOWED_KEYS.indexOf(key) < 0) errors.push('unknown setting "' + key + '"; allowed: ' + ALLOWED_KEYS.join(', '));
  }
  if (keys.length === 0) errors.push('the body is empty; give any of: ' + ALLOWED_KEYS.join(', '));

  if ('webhook_url' in input) {
    const url = input.webhook_url;
    const problem = typeof url === 'string' ? webhookUrlProblem(url.trim()) : 'webhook_url must be a string';
    if (problem) errors.push(problem);
    else update.webhook_url = (url as string).trim();
  }
  if ('signing_secret' in input) {
    const secret = input.signing_secret;
    const problem = typeof secret === 'string' ? signingSecretProblem(secret.trim()) : 'signing_secret must be a string';
    if (problem) errors.push(problem);
    else update.signing_secret = (secret as string).trim();
  }
  if ('integration_user' in input) {
    const user = input.integration_user;
    if (typeof user !== 'string' || user.trim() === '') {
      errors.push('integration_user must be the user name of the service account incident.io signs in as');
    } else if (!context.userExists(user.trim())) {
      errors.push('integration_user "' + user.trim() + '" is not a user on this instance');
    } else {
      update.integration_user = user.trim();
    }
  }
  if ('enabled' in input) {
    if (typeof input.enabled !== 'boolean') errors.push('enabled must be true or false');
    else update.enabled = input.enabled;
  }
  if ('follow_up_table' in input) {
    const problem = followUpTableProblem(input.follow_up_table, context.tableHierarchy);
    if (problem) errors.push(problem);
    else update.follow_up_table = (input.follow_up_table as string).trim();
  }
  if (update.enabled === true) {
    const url = update.webhook_url !== undefined ? update.webhook_url : context.current.webhookUrl;
    const secret = update.signing_secret !== undefined ? update.signing_secret : context.current.signingSecret;
    if (!url || !secret) errors.push('pushes cannot be enabled before webhook_url and signing_secret are set');
  }
  return errors.length ? { ok: false, errors } : { ok: true, update };
}

/**
 * null when `table` can hold follow-ups the app pushes: `incident`, or a table extending task (the
 * rules on task cover it, docs/sync.md "Follow-ups"), else what is wrong.
 */
export function followUpTableProblem(table: unknown, hierarchy?: (table: string) => string[]): string | null {
  if (typeof table !== 'string' || !TABLE_NAME.test(table.trim())) return 'follow_up_table must be a table name such as "problem"';
  const name = table.trim();
  if (name === 'incident' || !hierarchy) return null;
  const tables = hierarchy(name);
  if (tables.length === 0) return 'follow_up_table "' + name + '" is not a table on this instance';
  if (tables.indexOf('task') < 0) return 'follow_up_table "' + name + '" does not extend task (it extends ' + (tables.slice(1).join(', ') || 'nothing') + '): follow-ups must be task records';
  return null;
}
