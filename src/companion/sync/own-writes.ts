import type { IncidentSeverity, IncidentStatus, OutboundOp, OwnWrites } from '../store/sync-store';
import { impactUrgencyForSeverity, stateForStatus, type SyncMapping } from './mapping';
import type { ServiceNowVersion, TrackedField } from './servicenow-record';

/**
 * Recognising the companion's own writes in a ServiceNow version it did not record (the process
 * died after the write landed, before its answer was stored): a field holding exactly what an
 * open write sets is not someone else's change, so it must not beat that write or a later one.
 * Returns the fields of the record that hold what this write sets.
 */
export function ownEarlierAttempt(op: Pick<OutboundOp, 'payload'>, record: ServiceNowVersion, mapping: SyncMapping): TrackedField[] {
  const fields = op.payload.fields ?? {};
  const snapshot = record.snapshot;
  const out: TrackedField[] = [];
  if (fields.name && snapshot.short_description === (fields.name.value ?? '')) out.push('short_description');
  if (fields.summary && snapshot.description === (fields.summary.value ?? '')) out.push('description');
  if (fields.status?.value && snapshot.state === stateForStatus(mapping, fields.status.value as IncidentStatus)) out.push('state');
  if (fields.severity?.value) {
    const { impact, urgency } = impactUrgencyForSeverity(mapping, fields.severity.value as IncidentSeverity);
    if (snapshot.impact === impact && snapshot.urgency === urgency) out.push('impact', 'urgency', 'priority');
  }
  if (fields.lead) {
    const email = (snapshot['assigned_to.email'] ?? '').trim().toLowerCase();
    if ((fields.lead.value ?? '') === (snapshot.assigned_to ? email : '')) out.push('assigned_to');
  }
  return out;
}

/**
 * ownEarlierAttempt over several open writes, each with what its last attempt sent (a write that lost
 * a field to a later ServiceNow change after that attempt no longer sets it, but the attempt may have
 * landed it).
 */
export function ownFieldsOf(ops: readonly Pick<OutboundOp, 'payload'>[], record: ServiceNowVersion, mapping: SyncMapping): TrackedField[] {
  return [...new Set(ops.flatMap((op) => [...ownEarlierAttempt(op, record, mapping), ...lastAttemptLanded(op, record, mapping)]))];
}

/**
 * The fields the write's last attempt sent that the record holds, when the record changed since the
 * version that attempt was decided on: what may have landed without its answer being recorded.
 */
export function lastAttemptLanded(op: Pick<OutboundOp, 'payload'>, record: ServiceNowVersion, mapping: SyncMapping): TrackedField[] {
  const attempt = op.payload.lastAttempt;
  if (!attempt || record.modCount <= attempt.decidedOn) return [];
  return ownEarlierAttempt({ payload: { fields: attempt.fields } }, record, mapping);
}

/**
 * One own write of a field after another: the versions either may have overwritten, from the older
 * decision to the newer landing, and the latest incident.io change written. Pushes of the changes
 * the first one overwrote may come after the second landed (they wait in the app's outbox); such a
 * change is restored only when it is later than every incident.io change written over it.
 */
export function mergeOwnWrite(before: OwnWrites[string], next: NonNullable<OwnWrites[string]>): NonNullable<OwnWrites[string]> {
  if (!before) return next;
  return {
    decidedOn: Math.min(before.decidedOn, next.decidedOn),
    landed: Math.max(before.landed, next.landed),
    changedAt: Date.parse(before.changedAt) > Date.parse(next.changedAt) ? before.changedAt : next.changedAt,
  };
}

/**
 * An incident.io change a write did not send because ServiceNow held its value already is still the
 * latest change of the field: the field's own write takes its time, so a ServiceNow change older than
 * it, which an earlier own write overwrote, is not restored over it when its push comes late.
 */
export function assertOwnWrite(before: OwnWrites[string], changedAt: string): OwnWrites[string] {
  if (!before || Date.parse(before.changedAt) >= Date.parse(changedAt)) return before;
  return { ...before, changedAt };
}
