import type { OutboxEventType } from './constants.ts';

/**
 * Delivery order of an incident's events. Events sort by the incident's sequence (sys_mod_count),
 * then by kind (a creation before an update before a journal entry or attachment before a deletion made at the
 * same sequence), then by when they were queued. The key is a string so the instance can ORDER BY it.
 */
const TYPE_RANK: { [type: string]: number } = {
  'incident.created': 0,
  'incident.updated': 1,
  'incident.journal': 2,
  'incident.attachment': 2,
  'incident.deleted': 3,
};

function pad(n: number, width: number): string {
  let s = String(Math.max(0, Math.floor(n)));
  while (s.length < width) s = '0' + s;
  return s;
}

export function orderKey(sequence: number, type: OutboxEventType, queuedAtMs: number): string {
  return pad(sequence, 10) + '.' + (TYPE_RANK[type] ?? 9) + '.' + pad(queuedAtMs, 15);
}
