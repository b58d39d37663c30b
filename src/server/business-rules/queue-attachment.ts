import { queueDeps } from '../lib/glide-environment.ts';
import { queueAttachment as queue } from '../lib/queue.ts';

/** Business rule "Queue incident attachment for incident.io": after insert on sys_attachment. */
export function queueAttachment(current: any): void {
  queue(current, queueDeps());
}
