import { resendEvent } from '../lib/admin-actions.ts';
import { nowMs, outboxStore, tellAdmin } from '../lib/glide-environment.ts';

/** UI action "Resend" on a failed or dead outbox event (form button, list context menu and choice). */
export function resendOutboxEvent(current: any): void {
  tellAdmin(resendEvent(outboxStore(), current.getUniqueValue(), nowMs()));
}
