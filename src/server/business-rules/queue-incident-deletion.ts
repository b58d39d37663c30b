import type { GlideRecord } from '@servicenow/glide';
import { queueDeps } from '../lib/glide-environment.ts';
import { queueIncidentDeletion as queue } from '../lib/queue.ts';

/** Business rule "Queue incident deletion for incident.io": after delete on incident. */
export function queueIncidentDeletion(current: GlideRecord<'task'>): void {
  queue(current, queueDeps());
}
