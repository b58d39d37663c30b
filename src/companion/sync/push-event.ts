import type { AnyPushEvent, PingEvent, PushEvent } from '../../server/contract/push-event';
import { checkPushEvent } from '../../shared/push-event-schema';

/**
 * The body of the app's push (schema/push-event.schema.json), as the companion reads it: the very
 * type the app builds it with (src/server/contract/push-event.ts). Only a body that passed
 * checkPushEvent() is ever given this type.
 */
export type PushEventBody = PushEvent;
/** The Status page's test event: verified and answered, never stored or synced. */
export type PingEventBody = PingEvent;

export type ParsedPush = { ok: true; event: PushEventBody | PingEventBody } | { ok: false; reason: 'invalid_json' | 'invalid_schema'; errors: string[] };

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
  return { ok: true, event: json as AnyPushEvent };
}
