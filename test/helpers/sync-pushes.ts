import crypto from 'node:crypto';
import { signBody } from './hmac';

/**
 * Pushes made by hand, shaped and signed exactly as the app makes them, for what the app never
 * sends on its own (an old sequence after a newer one, a forged signature, a stale timestamp).
 */

export interface CraftedPush {
  body: string;
  headers: Record<string, string>;
  eventId: string;
}

/** A schema-valid push for an incident read through the Table API (raw values, links excluded). */
export function pushBodyFor(
  record: Record<string, string>,
  options: { type?: string; sequence: number; changedFields: string[]; values?: Record<string, string>; occurredAt?: Date; eventId?: string },
): Record<string, unknown> {
  const values = { ...record, ...options.values };
  const at = (options.occurredAt ?? new Date()).toISOString().slice(0, 19) + 'Z';
  return {
    schema_version: 1,
    event_id: options.eventId ?? crypto.randomBytes(16).toString('hex'),
    type: options.type ?? 'incident.updated',
    occurred_at: at,
    instance: 'local',
    sequence: options.sequence,
    changed_fields: options.changedFields,
    incident: {
      sys_id: values.sys_id,
      number: values.number,
      short_description: values.short_description ?? '',
      description: values.description ?? '',
      state: values.state ?? '1',
      state_label: '',
      priority: values.priority ?? '5',
      priority_label: '',
      impact: values.impact ?? '3',
      urgency: values.urgency ?? '3',
      active: values.active !== 'false',
      assignment_group: null,
      assigned_to: null,
      cmdb_ci: null,
      business_service: null,
      caller: null,
      close_code: values.close_code ?? '',
      close_notes: values.close_notes ?? '',
      sys_created_on: at,
      sys_updated_on: at,
      sys_updated_by: 'itil.user',
      sys_mod_count: options.sequence,
    },
  };
}

/** Signs a body with the connection's secret as the app does (`t=<now>,v1=…`). */
export function signedPush(secret: string, event: Record<string, unknown>, options: { timestampSeconds?: number } = {}): CraftedPush {
  const body = JSON.stringify(event);
  return {
    body,
    eventId: String(event.event_id),
    headers: {
      'content-type': 'application/json',
      'x-incident-io-event-id': String(event.event_id),
      'x-incident-io-signature': signBody(secret, body, options.timestampSeconds),
      'x-incident-io-delivery-attempt': '1',
    },
  };
}

export async function postPush(companionUrl: string, connection: string, push: { body: string | Buffer; headers: Record<string, string> }): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${companionUrl}/webhooks/servicenow/${connection}`, { method: 'POST', headers: push.headers, body: push.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body };
}
