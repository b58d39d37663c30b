import { randomUUID } from 'node:crypto';
import { EVENT_TYPE } from '../../server/contract/push-event';
import type { FollowUp, FollowUpValues } from '../store/follow-up-store';
import type { SyncRepositories } from '../store/sync-store';
import { followUpStatusForState, type FollowUpMapping } from './follow-up-mapping';
import { ConcurrentChangeError } from './errors';
import type { InboundChange } from './servicenow-record';

const STATUS_WORDS = { outstanding: 'outstanding again', completed: 'completed', not_doing: 'marked not doing' } as const;

/**
 * A ServiceNow change to a follow-up's record (pushed by the app or polled), applied to the
 * follow-up: a new state gives the status (followUps.*States), short_description the title,
 * description the description. A version older than the last applied or written one is stale; the
 * companion's own writes change nothing. A status change is said on the incident's timeline.
 */
export async function applyFollowUpChange(
  tx: SyncRepositories,
  input: { followUp: FollowUp; change: InboundChange; mapping: FollowUpMapping; byIntegrationUser: boolean; now: Date },
): Promise<'applied' | 'stale' | 'no_change' | 'own_write' | 'unlinked'> {
  const { followUp, change, mapping, now } = input;
  if (change.type === EVENT_TYPE.journal || change.type === EVENT_TYPE.attachment) return 'unlinked';
  const known = followUp.record;
  if (!known) return 'unlinked';
  if (change.type === EVENT_TYPE.deleted) {
    await tx.incidents.insertUpdate(notice(followUp, `The ServiceNow record ${known.number} of follow-up "${followUp.title}" was deleted in ServiceNow.`, now));
    return 'applied';
  }
  if (change.sequence <= known.modCount) return 'stale';
  const snapshot = change.record.snapshot;
  const state = snapshot.state ?? known.state;
  await tx.followUps.setRecord(followUp.id, { ...known, state, modCount: change.sequence }, now);
  if (input.byIntegrationUser) return 'own_write';

  const changes: Partial<FollowUpValues> = {};
  // The status follows a change of state only: a closed record edited again keeps the status it has
  // (not doing is written as a state that reads back as completed in some tables, problem's 107).
  const status = state !== known.state ? followUpStatusForState(mapping, state) : undefined;
  if (status && status !== followUp.status) changes.status = status;
  const title = snapshot.short_description;
  if (title !== undefined && title.trim() !== '' && title !== followUp.title) changes.title = title;
  const description = snapshot.description;
  if (description !== undefined && description !== followUp.description) changes.description = description;
  if (Object.keys(changes).length === 0) return 'no_change';
  if (!(await tx.followUps.update(followUp.id, followUp.version, changes, now))) throw new ConcurrentChangeError(`follow-up ${followUp.id}`);
  if (changes.status) {
    const by = change.record.updatedBy ? ` by ${change.record.updatedBy}` : '';
    await tx.incidents.insertUpdate(notice(followUp, `Follow-up "${changes.title ?? followUp.title}" was ${STATUS_WORDS[changes.status]} in ServiceNow${by} (${known.number}).`, now));
  }
  return 'applied';
}

function notice(followUp: FollowUp, message: string, at: Date) {
  return { id: randomUUID(), incidentId: followUp.incidentId, source: 'companion' as const, kind: 'notice' as const, author: null, message, journalSysId: null, occurredAt: at, createdAt: at };
}
