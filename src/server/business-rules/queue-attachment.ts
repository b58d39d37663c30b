import type { GlideRecord } from '@servicenow/glide';
import { queueDeps } from '../lib/glide-environment.ts';
import { queueAttachment as queue } from '../lib/queue.ts';

/** Business rule "Queue incident attachment for incident.io": after insert on sys_attachment. */
export function queueAttachment(current: GlideRecord<'sys_attachment'>): void {
  queue(current, queueDeps());
}
