import { checkPushEvent } from '../../shared/push-event-schema';

/**
 * The body of the app's push (schema/push-event.schema.json), as the companion reads it. Only a
 * body that passed checkPushEvent() is ever given this type.
 */

interface Reference {
  sys_id: string;
  name: string;
}

interface UserReference extends Reference {
  user_name: string;
  email: string;
}

export interface PushEventBody {
  schema_version: 1;
  event_id: string;
  type: 'incident.created' | 'incident.updated' | 'incident.deleted' | 'incident.journal';
  occurred_at: string;
  instance: string;
  sequence: number;
  changed_fields: string[];
  incident: {
    sys_id: string;
    number: string;
    short_description: string;
    description: string;
    state: string;
    state_label: string;
    priority: string;
    priority_label: string;
    impact: string;
    urgency: string;
    active: boolean;
    assignment_group: Reference | null;
    assigned_to: UserReference | null;
    cmdb_ci: Reference | null;
    business_service: Reference | null;
    caller: UserReference | null;
    close_code: string;
    close_notes: string;
    sys_created_on: string;
    sys_updated_on: string;
    sys_updated_by: string;
    sys_mod_count: number;
  };
  journal?: {
    sys_id: string;
    element: 'comments' | 'work_notes';
    value: string;
    author: string;
    created_on: string;
  };
}

export type ParsedPush = { ok: true; event: PushEventBody } | { ok: false; reason: 'invalid_json' | 'invalid_schema'; errors: string[] };

/** Parses a raw push body and validates it against the committed schema. */
export function parsePushBody(rawBody: Buffer): ParsedPush {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'invalid_json', errors: [(err as Error).message] };
  }
  const checked = checkPushEvent(json);
  if (!checked.ok) return { ok: false, reason: 'invalid_schema', errors: checked.errors.slice(0, 20) };
  return { ok: true, event: json as PushEventBody };
}
