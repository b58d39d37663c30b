import { EVENT_RANK } from '../contract/push-event.ts';
import type { OutboxEventType } from './constants.ts';

/**
 * Delivery order of an incident's events. Events sort by the incident's sequence (sys_mod_count),
 * then by kind (the contract's EVENT_RANK; a ping, which has no incident, after them all), then by
 * when they were queued. The key is a string so the instance can ORDER BY it.
 */
const TYPE_RANK: { [type: string]: number } = EVENT_RANK;

function pad(n: number, width: number): string {
  let s = String(Math.max(0, Math.floor(n)));
  while (s.length < width) s = '0' + s;
  return s;
}

export function orderKey(sequence: number, type: OutboxEventType, queuedAtMs: number): string {
  return pad(sequence, 10) + '.' + (TYPE_RANK[type] ?? 9) + '.' + pad(queuedAtMs, 15);
}
