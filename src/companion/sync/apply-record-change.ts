import type { IncidentLink, LinkChanges, StoredIncident, SyncRepositories } from '../store/sync-store';
import { withoutFields } from './coalesce';
import { ConcurrentChangeError } from './errors';
import { decideRecordChange, type RecordChangeDecision } from './inbound-decision';
import type { SyncMapping } from './mapping';
import type { InboundChange, TrackedField } from './servicenow-record';

/**
 * Applies a newer version of a linked ServiceNow record inside a transaction: the incident's
 * fields (decideRecordChange), the unsent writes ServiceNow's later change overrides, and the
 * link's snapshot and last applied version. Never queues a write to ServiceNow. Throws
 * ConcurrentChangeError when the incident or a queued write changed under it (the caller retries
 * the whole transaction).
 */
export async function applyRecordChange(
  tx: SyncRepositories,
  input: {
    incident: StoredIncident;
    link: IncidentLink;
    change: Pick<InboundChange, 'sequence' | 'occurredAt' | 'record'>;
    mapping: SyncMapping;
    exclude?: readonly TrackedField[];
    /** More link changes to make in the same update. */
    linkChanges?: LinkChanges;
    now: Date;
  },
): Promise<RecordChangeDecision> {
  const { incident, link, change, now } = input;
  const openOps = await tx.outbound.listOpen(incident.id);
  const decision = decideRecordChange({
    incident,
    link,
    change,
    openOps,
    mapping: input.mapping,
    ...(input.exclude ? { exclude: input.exclude } : {}),
  });
  if (decision.outcome === 'stale') {
    if (input.linkChanges) await tx.incidents.updateLink(incident.id, input.linkChanges, now);
    return decision;
  }
  if (Object.keys(decision.incidentChanges).length > 0) {
    if (!(await tx.incidents.updateIncident(incident.id, incident.version, decision.incidentChanges, now))) {
      throw new ConcurrentChangeError(`incident ${incident.reference}`);
    }
  }
  for (const drop of decision.dropFromOps) {
    const op = openOps.find((o) => o.id === drop.opId)!;
    // Claimed since it was read: rerun, and the send in progress then wins. (An update left with no field sends nothing.)
    if (!(await tx.outbound.replacePendingPayload(op.id, withoutFields(op.payload, drop.fields), now))) {
      throw new ConcurrentChangeError(`the queued write of ${incident.reference}`);
    }
  }
  await tx.incidents.updateLink(
    incident.id,
    {
      snapshot: decision.snapshot,
      lastAppliedModCount: decision.lastAppliedModCount,
      ...(change.record.number ? { number: change.record.number } : {}),
      ...input.linkChanges,
    },
    now,
  );
  return decision;
}
