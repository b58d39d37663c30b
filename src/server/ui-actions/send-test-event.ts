import { queueTestEvent } from '../lib/admin-actions.ts';
import { tellAdmin, testEventDeps } from '../lib/glide-environment.ts';

/** UI action "Send test event" (outbox list banner; the Status page's button calls POST /test_event). */
export function sendTestEvent(): void {
  tellAdmin(queueTestEvent(testEventDeps()));
}
