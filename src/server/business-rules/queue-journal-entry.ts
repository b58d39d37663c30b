import type { GlideRecord } from '@servicenow/glide';
import { queueDeps } from '../lib/glide-environment.ts';
import { queueJournalEntry as queue } from '../lib/queue.ts';

/** Business rule "Queue incident journal entry for incident.io": after insert on sys_journal_field. */
export function queueJournalEntry(current: GlideRecord<'sys_journal_field'>): void {
  queue(current, queueDeps());
}
