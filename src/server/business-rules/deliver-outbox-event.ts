import type { GlideRecord } from '@servicenow/glide';
import { deliverQueuedEvent } from '../lib/delivery.ts';
import { deliveryDeps } from '../lib/glide-environment.ts';

/**
 * Async business rule "Deliver queued event to incident.io": runs off the user's transaction on the
 * instance's scheduler as soon as an event is queued (inserted, or put back by POST /resend).
 */
export function deliverOutboxEvent(current: GlideRecord<'x_incident_io_outbound_event'>): void {
  deliverQueuedEvent(current.getUniqueValue(), deliveryDeps(), current.getValue('incident_sys_id') || undefined);
}
