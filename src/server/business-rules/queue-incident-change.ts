import type { GlideRecord } from '@servicenow/glide';
import { queueDeps } from '../lib/glide-environment.ts';
import { queueIncidentChange as queue } from '../lib/queue.ts';

/** Business rule "Queue incident change for incident.io": after insert and update on incident. */
export function queueIncidentChange(current: GlideRecord<'task'>, previous: GlideRecord<'task'> | null): void {
  queue(current, previous, current.operation(), queueDeps());
}
