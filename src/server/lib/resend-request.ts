import type { RequeueFilter } from './outbox-store.ts';
import { parseGlideDateTime, toGlideDateTime } from './time.ts';

export type ResendValidation = { ok: true; filter: RequeueFilter } | { ok: false; error: string };

const USAGE =
  'give exactly one of: {"incident": "<sys_id or number>"} to resend that incident\'s events, ' +
  'or {"since": "<ISO 8601 or YYYY-MM-DD HH:MM:SS UTC>"} to resend every event queued since then';

/** Checks the body of POST /api/x_incident_io/v1/sync/resend. */
export function validateResendRequest(body: unknown): ResendValidation {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, error: USAGE };
  const input = body as { [key: string]: unknown };
  const keys = Object.keys(input);
  if (keys.length !== 1 || (keys[0] !== 'incident' && keys[0] !== 'since')) return { ok: false, error: USAGE };
  const raw = input[keys[0]!];
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, error: USAGE };
  const text = raw.trim();
  if (keys[0] === 'incident') {
    if (/^[0-9a-f]{32}$/.test(text) || /^[A-Z]{2,8}\d{4,}$/.test(text)) return { ok: true, filter: { incident: text } };
    return { ok: false, error: '"incident" must be an incident sys_id (32 hex characters) or number such as INC0010001' };
  }
  const ms = parseGlideDateTime(text);
  if (ms === null) return { ok: false, error: '"since" is not a date-time: use ISO 8601 (2026-01-31T09:00:00Z) or 2026-01-31 09:00:00 (UTC)' };
  return { ok: true, filter: { since: toGlideDateTime(ms) } };
}
