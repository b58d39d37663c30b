import type { AnyPushEvent, PingEvent, PushEvent } from '../../server/contract/push-event';
import { checkPushEvent, pushEventSchema } from '../../shared/push-event-schema';

/**
 * The body of the app's push (schema/push-event.schema.json), as the companion reads it: the very
 * type the app builds it with (src/server/contract/push-event.ts). Only a body that passed
 * checkPushEvent() is ever given this type.
 */
export type PushEventBody = PushEvent;
/** The Status page's test event: verified and answered, never stored or synced. */
export type PingEventBody = PingEvent;

export type ParsedPush =
  | { ok: true; event: PushEventBody | PingEventBody }
  | { ok: false; reason: 'invalid_json' | 'invalid_schema'; errors: string[] }
  /** A signed event of a type this companion does not know (a newer app): answered, never stored. */
  | { ok: false; reason: 'unknown_type'; type: string; eventId: string; errors: string[] };

/** The types of the schema this companion was built with; any other is a newer app's. */
const KNOWN_TYPES: ReadonlySet<string> = new Set((pushEventSchema.properties.type.enum as readonly string[]));
const EVENT_ID = new RegExp(pushEventSchema.properties.event_id.pattern);

/**
 * A newer app may push event types this companion does not know. Their envelope is the same
 * (schema version 1, event_id, type); they are recognised by it, so the receiver can acknowledge
 * them (the app stops retrying) and drop them, rather than refusing them for ever.
 */
function unknownType(json: unknown): { type: string; eventId: string } | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const body = json as Record<string, unknown>;
  if (body.schema_version !== 1 || typeof body.type !== 'string' || KNOWN_TYPES.has(body.type)) return undefined;
  if (typeof body.event_id !== 'string' || !EVENT_ID.test(body.event_id)) return undefined;
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(body.type) || body.type.length > 100) return undefined;
  return { type: body.type, eventId: body.event_id };
}

/** Parses a raw push body and validates it against the committed schema. */
export function parsePushBody(rawBody: Buffer): ParsedPush {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'invalid_json', errors: [(err as Error).message] };
  }
  const checked = checkPushEvent(json);
  if (!checked.ok) {
    const unknown = unknownType(json);
    if (unknown) return { ok: false, reason: 'unknown_type', ...unknown, errors: checked.errors.slice(0, 20) };
    return { ok: false, reason: 'invalid_schema', errors: checked.errors.slice(0, 20) };
  }
  return { ok: true, event: json as AnyPushEvent };
}
