import type { FieldVersions, IncidentLink, LinkChanges, StoredIncident, SyncRepositories } from '../store/sync-store';
import { withoutFields } from './coalesce';
import { ConcurrentChangeError } from './errors';
import { decideRecordChange, type RecordChangeDecision } from './inbound-decision';
import type { SyncMapping } from './mapping';
import { ownFieldsOf } from './own-writes';
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
    change: Pick<InboundChange, 'sequence' | 'occurredAt' | 'record'> & Partial<Pick<InboundChange, 'changedFields'>>;
    mapping: SyncMapping;
    exclude?: readonly TrackedField[];
    /** More link changes to make in the same update. */
    linkChanges?: LinkChanges;
    /** The companion's own write that produced this version: the fields it wrote supersede older changes by others. */
    ownWrite?: { fields: readonly TrackedField[]; modCount: number };
    /** A write the caller is sending and re-deciding (its fields may be dropped, fenced by `owner`). */
    held?: { opId: string; owner: string };
    /** The version was last changed by the integration user: fields holding what an open write sets are the companion's own. */
    byIntegrationUser?: boolean;
    /** A real-time connection: a field changed at an unknown time may wait for its push (see decideRecordChange). */
    awaitPushes?: boolean;
    now: Date;
  },
): Promise<RecordChangeDecision> {
  const { incident, link, change, now } = input;
  const openOps = await tx.outbound.listOpen(incident.id);
  // The companion's own writes that landed without their answer recorded (their process died, or
  // the answer is still on its way): in a version by the integration user, every field holding what
  // an open write sets or last sent; in a push by someone else, such a field its changed_fields do not
  // name (the push's record shows it, but this version did not change it: the PostgreSQL fault suite
  // saw a work note's push make a dead replica's landed severity look like a user's change).
  const own = input.byIntegrationUser
    ? ownFieldsOf(openOps, change.record, input.mapping)
    : Array.isArray(change.changedFields)
      ? ownFieldsOf(openOps, change.record, input.mapping).filter((f) => !change.changedFields!.includes(f))
      : [];
  const exclude = [...(input.exclude ?? []), ...own];
  const decision = decideRecordChange({
    incident,
    link,
    change,
    openOps,
    mapping: input.mapping,
    exclude,
    ...(input.held ? { heldOpIds: [input.held.opId] } : {}),
    ...(input.awaitPushes ? { awaitPushes: true } : {}),
  });
  const fieldVersions = superseded(decision.fieldVersions, input.ownWrite);
  if (decision.outcome === 'stale') {
    if (input.linkChanges || input.ownWrite) await tx.incidents.updateLink(incident.id, { ...input.linkChanges, fieldVersions }, now);
    return decision;
  }
  if (Object.keys(decision.incidentChanges).length > 0) {
    if (!(await tx.incidents.updateIncident(incident.id, incident.version, decision.incidentChanges, now))) {
      throw new ConcurrentChangeError(`incident ${incident.reference}`);
    }
  }
  // A later ServiceNow change the companion's own write overwrote: written back, with its time and
  // its version (a later ServiceNow change of the field beats the restore).
  if (Object.keys(decision.restore).length > 0) {
    const basis = { serviceNowModCount: change.sequence, incidentVersion: incident.version + 1 };
    const fields = Object.fromEntries(Object.entries(decision.restore).map(([key, change]) => [key, { ...change!, basis }]));
    await tx.outbound.enqueue({ incidentId: incident.id, connectionId: link.connectionId, kind: 'update', payload: { fields }, createdAt: now });
  }
  for (const drop of decision.dropFromOps) {
    const op = openOps.find((o) => o.id === drop.opId)!;
    const payload = withoutFields(op.payload, drop.fields);
    const replaced =
      input.held?.opId === op.id
        ? await tx.outbound.replaceClaimedPayload(op.id, input.held.owner, payload, now)
        : await tx.outbound.replacePendingPayload(op.id, payload, now);
    // Claimed since it was read: rerun, and the send in progress then wins. (An update left with no field sends nothing.)
    if (!replaced) throw new ConcurrentChangeError(`the queued write of ${incident.reference}`);
  }
  await tx.incidents.updateLink(
    incident.id,
    {
      snapshot: decision.snapshot,
      lastAppliedModCount: decision.lastAppliedModCount,
      fieldVersions,
      unsettledFields: decision.unsettledFields,
      ownWrites: decision.ownWrites,
      ...(change.record.number ? { number: change.record.number } : {}),
      ...input.linkChanges,
    },
    now,
  );
  return decision;
}

/** Changes by others to fields the companion's own write then overwrote (in ServiceNow's order) no longer beat anything. */
function superseded(versions: FieldVersions, ownWrite: { fields: readonly TrackedField[]; modCount: number } | undefined): FieldVersions {
  if (!ownWrite) return versions;
  const out: FieldVersions = { ...versions };
  for (const field of ownWrite.fields) {
    const version = out[field];
    if (version && version.modCount < ownWrite.modCount) delete out[field];
  }
  return out;
}
