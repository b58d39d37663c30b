import type { FieldChange, FieldVersion, FieldVersions, IncidentLink, IncidentValues, OutboundOp, OwnWrites, ServiceNowSnapshot, SyncedField, UnsettledFields } from '../store/sync-store';
import { severityForPriority, statusForState, type SyncMapping } from './mapping';
import { COMPANION_FIELDS, diffSnapshots, TRACKED_FIELDS, type InboundChange, type ServiceNowVersion, type TrackedField } from './servicenow-record';

/**
 * What a ServiceNow change to a linked incident does to the incident.io incident. Pure: the
 * caller reads the incident, its link and its unsent writes, and applies the decision in one
 * transaction.
 *
 * 1. The sequence guard: a version whose sys_mod_count is not newer than the last one applied
 *    (`lastAppliedModCount`, advanced by applied events and by the companion's own writes)
 *    changes nothing: it is stale.
 * 2. What changed: the tracked fields whose values differ from the link's snapshot (the record as
 *    of the last applied version). This is every change since that version, even one whose own
 *    event went missing; `changed_fields` of a push is a subset of it.
 * 3. The mapping turns those fields into incident.io values; values equal to the incident's are
 *    not changes.
 * 4. The conflict rule, per field (serviceNowWins): when incident.io changed the same field and
 *    that change is not written to ServiceNow yet, the later change wins. A change incident.io made
 *    knowing this ServiceNow version (its basis) is later by definition; otherwise the times are
 *    compared (ServiceNow's are whole seconds: a tie goes to incident.io). When ServiceNow wins,
 *    its value is applied and the field is dropped from the unsent writes, even when the mapped
 *    value equals the incident's (the queued write would still put the older ServiceNow value
 *    back). A write a live worker is sending lands after this change, so it wins here; a write
 *    whose sender died is re-decided before it is sent again, against the field versions this
 *    change records (see decideQueuedWrite).
 */

export type ChangeOutcome = 'applied' | 'stale' | 'no_change' | 'conflict';

/** The incident.io field each tracked ServiceNow field feeds. */
const INCIDENT_FIELD_OF: Readonly<Partial<Record<TrackedField, SyncedField>>> = {
  short_description: 'name',
  description: 'summary',
  state: 'status',
  priority: 'severity',
  impact: 'severity',
  urgency: 'severity',
  assigned_to: 'lead',
};

/** The ServiceNow fields an incident.io field is written to and read from. */
export const SERVICENOW_FIELDS_OF: Readonly<Record<SyncedField, readonly TrackedField[]>> = {
  name: ['short_description'],
  summary: ['description'],
  status: ['state'],
  severity: ['priority', 'impact', 'urgency'],
  lead: ['assigned_to'],
};

/**
 * Whether a ServiceNow change to a field beats incident.io's queued change to it: ServiceNow's is
 * newer than the version incident.io's change was based on, and later in time (whole seconds;
 * a tie goes to incident.io). Queued writes from before migration 0005 have no basis: time decides.
 */
export function serviceNowWins(queued: FieldChange, serviceNow: FieldVersion): boolean {
  if (queued.basis && serviceNow.modCount <= queued.basis.serviceNowModCount) return false;
  return seconds(serviceNow.at) > seconds(queued.changedAt);
}

export interface FieldConflict {
  field: SyncedField;
  winner: 'incident.io' | 'servicenow';
}

export interface RecordChangeDecision {
  outcome: ChangeOutcome;
  incidentChanges: Partial<IncidentValues>;
  /** ServiceNow fields that changed since the last applied version. */
  changed: TrackedField[];
  /** The link's snapshot and last applied version afterwards (unchanged when stale). */
  snapshot: ServiceNowSnapshot;
  lastAppliedModCount: number;
  /** incident.io fields to remove from unsent writes (ServiceNow's change is later). */
  dropFromOps: Array<{ opId: string; fields: SyncedField[] }>;
  conflicts: FieldConflict[];
  /** The link's field versions afterwards: each changed field at this version. */
  fieldVersions: FieldVersions;
  /** The link's unsettled fields afterwards. */
  unsettledFields: UnsettledFields;
  /** The link's own writes afterwards (a restored field is no longer one). */
  ownWrites: OwnWrites;
  /**
   * ServiceNow changes the companion's own write overwrote without knowing them (made between its read
   * and its write) that are later than incident.io's change it carried: written back to ServiceNow
   * with their time (the incident takes them too, in incidentChanges).
   */
  restore: Partial<Record<SyncedField, FieldChange>>;
}

const SEVERITY_SOURCES: readonly TrackedField[] = ['priority', 'impact', 'urgency'];

/** The incident.io values a set of ServiceNow fields gives, before comparing with the incident. */
export function incidentValuesFrom(
  fields: readonly TrackedField[],
  snapshot: ServiceNowSnapshot,
  current: IncidentValues | undefined,
  mapping: SyncMapping,
): Partial<IncidentValues> {
  const values: Partial<IncidentValues> = {};
  if (fields.includes('short_description')) values.name = snapshot.short_description ?? '';
  if (fields.includes('description')) values.summary = snapshot.description ?? '';
  if (fields.includes('state')) {
    const status = statusForState(mapping, snapshot.state ?? '', current?.status);
    if (status) values.status = status;
  }
  if (fields.some((f) => SEVERITY_SOURCES.includes(f))) {
    const severity = severityForPriority(mapping, snapshot.priority ?? '');
    if (severity) values.severity = severity;
  }
  if (fields.includes('assigned_to')) {
    const email = (snapshot['assigned_to.email'] ?? '').trim();
    values.lead = snapshot.assigned_to && email ? email.toLowerCase() : null;
  }
  return values;
}

/** Whole seconds of an ISO time (ServiceNow's precision). */
function seconds(isoTime: string): number {
  const ms = Date.parse(isoTime);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

export interface DecideInput {
  incident: IncidentValues;
  /**
   * `changedFields` (a push's): the fields this version changed, even where the value is back to the
   * snapshot's (A → B → A while a write was in flight). Absent (a read, a write's answer): the version
   * shows what differs, not when it changed.
   */
  change: Pick<InboundChange, 'sequence' | 'occurredAt' | 'record'> & Partial<Pick<InboundChange, 'changedFields'>>;
  link: Pick<IncidentLink, 'snapshot' | 'lastAppliedModCount'> & Partial<Pick<IncidentLink, 'fieldVersions' | 'unsettledFields' | 'ownWrites'>>;
  /** The incident's writes not finished yet (pending or sending), in order. */
  openOps: readonly Pick<OutboundOp, 'id' | 'state' | 'payload'>[];
  mapping: SyncMapping;
  /** Fields not to take from this version (the ones the companion's own write just set). */
  exclude?: readonly TrackedField[];
  /** Writes the caller is sending and re-deciding now: treated as unsent (their fields may be dropped). */
  heldOpIds?: readonly string[];
  /**
   * The app pushes every change (a real-time connection): a field this version shows changed
   * without saying when (no `changedFields`) is left for its push when the time decides a conflict
   * with an unsent incident.io write (see "unsettled" in decideRecordChange).
   */
  awaitPushes?: boolean;
}

/** The sys_mod_count a field's snapshot value is from. */
function seenVersionOf(link: DecideInput['link'], field: TrackedField): number {
  return link.unsettledFields?.[field]?.seen ?? link.lastAppliedModCount;
}

/** The ServiceNow fields that feed one incident.io field, with the values carried along with them. */
function snapshotKeysOf(key: SyncedField): string[] {
  const fields: string[] = [...SERVICENOW_FIELDS_OF[key]];
  return [...fields, ...COMPANION_FIELDS.filter((carried) => fields.some((f) => carried.startsWith(`${f}.`)))];
}

/**
 * Field by field: a field is taken from this version when the version is newer than the one its
 * snapshot value is from (`lastAppliedModCount`, or its entry in `unsettledFields`). A version no
 * newer than that for every field is stale.
 *
 * Unsettled fields. A version that does not say which fields it changed (a write's answer, a read)
 * shows that a field differs from the snapshot, not when it changed: any time since the snapshot's
 * version. When that field has an unsent incident.io write that the version's own time would beat,
 * the time is what decides, so on a real-time connection the field is left as it was (its snapshot
 * value and version kept, listed in `unsettledFields`): the app's push of the change that made it
 * (older than this version, so stale for every other field) says when, and decides. The queued write
 * waits for that push before it is sent (OutboundProcessor.redecide).
 */
export function decideRecordChange(input: DecideInput): RecordChangeDecision {
  const { incident, link, change, openOps, mapping } = input;
  const unsettled: UnsettledFields = { ...link.unsettledFields };
  const newer = TRACKED_FIELDS.filter((f) => change.sequence > seenVersionOf(link, f));
  if (newer.length === 0) {
    const stale: RecordChangeDecision = {
      outcome: 'stale',
      incidentChanges: {},
      changed: [],
      snapshot: link.snapshot,
      lastAppliedModCount: link.lastAppliedModCount,
      dropFromOps: [],
      conflicts: [],
      fieldVersions: link.fieldVersions ?? {},
      unsettledFields: unsettled,
      ownWrites: link.ownWrites ?? {},
      restore: {},
      ...restoreOverwritten(input),
    };
    return withLateChanges(stale, lateChanges(input, TRACKED_FIELDS));
  }
  const exclude = new Set(input.exclude ?? []);
  const held = new Set(input.heldOpIds ?? []);
  // What differs from the snapshot, and what the push says changed even when the value came back
  // to the snapshot's (A → B → A while a write was in flight): both are changes someone made.
  const reported = change.changedFields ?? [];
  const timed = Array.isArray(change.changedFields);
  let changed = [
    ...new Set([...diffSnapshots(link.snapshot, change.record.snapshot), ...TRACKED_FIELDS.filter((f) => reported.includes(f) && f in change.record.snapshot)]),
  ].filter((f) => !exclude.has(f) && newer.includes(f));

  const version: FieldVersion = { modCount: change.sequence, at: change.occurredAt };
  const unsentOf = (key: SyncedField) => openOps.filter((op) => op.payload.fields?.[key] !== undefined);
  const touchedKeys = () => [...new Set(changed.map((f) => INCIDENT_FIELD_OF[f]).filter((k): k is SyncedField => k !== undefined))];

  // Versions between the last applied one and this one that the companion has not seen: a field with
  // an unsent incident.io write may have changed in them, later than that write, even where its value
  // is now back to the snapshot's (A → B → A). Left for their pushes, unless this version's own time
  // could not beat the write (then no change before it can) or the field is what this write set.
  const deferred = new Set<string>();
  // A field already unsettled stays so: this version says no more than the one that left it open.
  if (input.awaitPushes && !timed) {
    for (const key of Object.keys(SERVICENOW_FIELDS_OF) as SyncedField[]) {
      if (SERVICENOW_FIELDS_OF[key].some((f) => unsettled[f] !== undefined && !exclude.has(f))) for (const field of snapshotKeysOf(key)) deferred.add(field);
    }
  }
  if (input.awaitPushes && !timed && change.sequence > link.lastAppliedModCount + 1) {
    for (const key of Object.keys(SERVICENOW_FIELDS_OF) as SyncedField[]) {
      const unsent = unsentOf(key);
      if (unsent.length === 0 || SERVICENOW_FIELDS_OF[key].every((f) => exclude.has(f))) continue;
      if (!serviceNowWins(unsent[unsent.length - 1]!.payload.fields![key]!, version)) continue;
      for (const field of snapshotKeysOf(key)) deferred.add(field);
    }
  }
  // A push after a gap (an incident's pushes arriving out of order: a "Resend" of a dead event, the
  // outbox read racing live pushes, a push retried after a later one): a field its changed_fields do
  // not name that differs from the snapshot changed in a version before it, at a time it does not
  // tell (no later than its own). Taking this push's time for it would let an earlier ServiceNow
  // change beat a later queued incident.io one (the fault suite's catch-up in sys_id order found it),
  // and applying it here would make that version's own push stale: so, as for a read, it is left for
  // that push (unsettled until the version before this one) when this push's time could beat the write.
  const gapDeferred = new Set<string>();
  if (timed) {
    const differs = diffSnapshots(link.snapshot, change.record.snapshot);
    for (const key of Object.keys(SERVICENOW_FIELDS_OF) as SyncedField[]) {
      const fields = SERVICENOW_FIELDS_OF[key];
      const unsent = unsentOf(key);
      if (unsent.length === 0 || fields.some((f) => reported.includes(f))) continue;
      if (!fields.some((f) => differs.includes(f) && change.sequence > seenVersionOf(link, f) + 1)) continue;
      if (!serviceNowWins(unsent[unsent.length - 1]!.payload.fields![key]!, version)) continue;
      for (const field of snapshotKeysOf(key)) {
        deferred.add(field);
        gapDeferred.add(field);
      }
    }
  }
  changed = changed.filter((f) => !deferred.has(f));

  const candidates = incidentValuesFrom(changed, change.record.snapshot, incident, mapping);
  const incidentChanges: Partial<IncidentValues> = {};
  const conflicts: FieldConflict[] = [];
  const drops = new Map<string, SyncedField[]>();

  for (const key of touchedKeys()) {
    const value = candidates[key];
    const differs = value !== undefined && incident[key] !== value;
    const unsent = unsentOf(key);
    if (unsent.length === 0) {
      if (differs) (incidentChanges as Record<string, unknown>)[key] = value;
      continue;
    }
    const sending = unsent.some((op) => op.state === 'sending' && !held.has(op.id));
    const latest = unsent[unsent.length - 1]!.payload.fields![key]!;
    const serviceNowLater = !sending && serviceNowWins(latest, version);
    if (differs || serviceNowLater) conflicts.push({ field: key, winner: serviceNowLater ? 'servicenow' : 'incident.io' });
    if (!serviceNowLater) continue;
    if (differs) (incidentChanges as Record<string, unknown>)[key] = value;
    for (const op of unsent) drops.set(op.id, [...(drops.get(op.id) ?? []), key]);
  }
  const fieldVersions: FieldVersions = { ...link.fieldVersions };
  for (const field of changed) fieldVersions[field] = version;

  // The snapshot takes every field this version is newer for, except the deferred ones.
  const snapshot: ServiceNowSnapshot = { ...link.snapshot };
  for (const [key, value] of Object.entries(change.record.snapshot)) {
    const field = key.split('.')[0] as TrackedField;
    if (deferred.has(key) || (TRACKED_FIELDS.includes(field) && !newer.includes(field))) continue;
    snapshot[key] = value;
  }
  // An unsettled field stays so until a version as new as the one that showed its change is applied
  // (the pushes before it say when it changed, each applied with its own time).
  for (const field of newer) {
    const entry = unsettled[field];
    if (deferred.has(field)) unsettled[field] = { seen: seenVersionOf(link, field), until: Math.max(entry?.until ?? 0, gapDeferred.has(field) ? change.sequence - 1 : change.sequence) };
    else if (!entry || !(field in change.record.snapshot)) continue;
    else if (change.sequence >= entry.until) delete unsettled[field];
    else unsettled[field] = { seen: change.sequence, until: entry.until };
  }
  const lastAppliedModCount = Math.max(link.lastAppliedModCount, change.sequence);

  // A push newer for some fields (an unsettled one) may be stale for the others, and one of those may
  // have been overwritten by the companion's own write: restored as in the stale case (the PostgreSQL
  // fault suite had a push newer only for an unsettled description, whose name a write had overwritten).
  const staleOnly = TRACKED_FIELDS.filter((f) => {
    const key = INCIDENT_FIELD_OF[f];
    return key !== undefined && SERVICENOW_FIELDS_OF[key].every((g) => !newer.includes(g));
  });
  const restored = restoreOverwritten(input, staleOnly);
  const restore = restored.restore ?? {};
  for (const key of Object.keys(restore) as SyncedField[]) {
    for (const f of SERVICENOW_FIELDS_OF[key]) if (restored.fieldVersions?.[f]) fieldVersions[f] = restored.fieldVersions[f];
  }
  Object.assign(incidentChanges, restored.incidentChanges ?? {});
  changed = [...changed, ...(restored.changed ?? [])];

  let outcome: ChangeOutcome;
  if (Object.keys(incidentChanges).length > 0) outcome = 'applied';
  else if (conflicts.length > 0) outcome = 'conflict';
  else outcome = 'no_change';

  return withLateChanges({
    outcome,
    incidentChanges,
    changed,
    snapshot,
    lastAppliedModCount,
    dropFromOps: [...drops].map(([opId, fields]) => ({ opId, fields })),
    conflicts,
    fieldVersions,
    unsettledFields: unsettled,
    ownWrites: restored.ownWrites ?? link.ownWrites ?? {},
    restore,
  }, lateChanges(input, staleOnly));
}

interface LateChanges {
  incidentChanges: Partial<IncidentValues>;
  fieldVersions: FieldVersions;
  changed: TrackedField[];
  dropFromOps: Array<{ opId: string; fields: SyncedField[] }>;
  conflicts: FieldConflict[];
}

/**
 * A push older than a version already applied (an incident's pushes out of order: a "Resend" of a
 * dead event, the outbox read racing live pushes, a push retried after a later one) is stale by its
 * sys_mod_count, but a field it names may still be ServiceNow's latest known change of that field:
 * no applied change of it is as new (field versions), and no own write landed after it. When such a
 * change beats a queued incident.io write of the field (serviceNowWins), the write would put an older
 * value over it (the fault suite with the catch-up in sys_id order found it: a resolution's push came
 * after later pushes that did not name the state, and a queued older status was written over it). So
 * the field is dropped from the unsent writes, its version recorded, and the incident takes
 * ServiceNow's value now (the snapshot's: this change or a later one). A write being sent lands
 * after it and wins, as for any change. Returns nothing when no field qualifies.
 */
function lateChanges(input: DecideInput, candidates: readonly TrackedField[]): LateChanges | undefined {
  const { change, link, openOps, incident, mapping } = input;
  if (!Array.isArray(change.changedFields)) return undefined;
  const named = change.changedFields;
  const held = new Set(input.heldOpIds ?? []);
  const exclude = new Set(input.exclude ?? []);
  const version: FieldVersion = { modCount: change.sequence, at: change.occurredAt };
  const out: LateChanges = { incidentChanges: {}, fieldVersions: {}, changed: [], dropFromOps: [], conflicts: [] };
  for (const key of Object.keys(SERVICENOW_FIELDS_OF) as SyncedField[]) {
    const fields = SERVICENOW_FIELDS_OF[key].filter((f) => candidates.includes(f) && named.includes(f) && !exclude.has(f));
    if (fields.length === 0) continue;
    const known = (f: TrackedField) => Math.max(link.fieldVersions?.[f]?.modCount ?? -1, link.ownWrites?.[f]?.landed ?? -1);
    if (SERVICENOW_FIELDS_OF[key].some((f) => known(f) >= change.sequence)) continue;
    const unsent = openOps.filter((op) => op.payload.fields?.[key] !== undefined);
    if (unsent.length === 0 || unsent.some((op) => op.state === 'sending' && !held.has(op.id))) continue;
    if (!serviceNowWins(unsent[unsent.length - 1]!.payload.fields![key]!, version)) continue;
    out.conflicts.push({ field: key, winner: 'servicenow' });
    for (const op of unsent) out.dropFromOps.push({ opId: op.id, fields: [key] });
    for (const f of fields) out.fieldVersions[f] = version;
    out.changed.push(...fields);
    const value = incidentValuesFrom(SERVICENOW_FIELDS_OF[key], link.snapshot, incident, mapping)[key];
    if (value !== undefined && value !== incident[key]) (out.incidentChanges as Record<string, unknown>)[key] = value;
  }
  return out.changed.length > 0 ? out : undefined;
}

/** A decision with the late changes of its push added (lateChanges). */
function withLateChanges(decision: RecordChangeDecision, late: LateChanges | undefined): RecordChangeDecision {
  if (!late) return decision;
  const drops = new Map(decision.dropFromOps.map((d) => [d.opId, [...d.fields]]));
  for (const d of late.dropFromOps) drops.set(d.opId, [...new Set([...(drops.get(d.opId) ?? []), ...d.fields])]);
  const incidentChanges = { ...late.incidentChanges, ...decision.incidentChanges };
  const conflicts = [...decision.conflicts, ...late.conflicts.filter((c) => !decision.conflicts.some((d) => d.field === c.field))];
  return {
    ...decision,
    outcome: Object.keys(incidentChanges).length > 0 ? 'applied' : 'conflict',
    incidentChanges,
    changed: [...new Set([...decision.changed, ...late.changed])],
    dropFromOps: [...drops].map(([opId, fields]) => ({ opId, fields })),
    conflicts,
    fieldVersions: { ...decision.fieldVersions, ...late.fieldVersions },
  };
}

/**
 * Whether an open write of the incident (other than `except`) carries an incident.io change of this
 * field that a ServiceNow change does not beat: that change is later, and it will be written. A
 * ServiceNow change the companion's own write overwrote is then not restored: the restore would put
 * the older ServiceNow value in the incident at once, and in ServiceNow after the later write landed
 * (the crash-restart fault suite's revert: a responder's critical lost to an older major).
 */
export function laterChangeQueued(openOps: readonly Pick<OutboundOp, 'id' | 'payload'>[], key: SyncedField, serviceNow: FieldVersion, except?: string): boolean {
  return openOps.some((op) => {
    const queued = op.id !== except ? op.payload.fields?.[key] : undefined;
    return queued !== undefined && !serviceNowWins(queued, serviceNow);
  });
}

/**
 * A push too old for a field only because the companion's own write of it landed after it: when the
 * change was made between that write's read and its landing (the write did not know it) and later
 * than incident.io's change the write carried, the write overwrote a later change. It is restored:
 * the incident takes ServiceNow's value and a write puts it back, with the change's time. Nothing
 * when someone changed the field again after the write (that change stands), in ServiceNow or in
 * incident.io (a later change still queued: laterChangeQueued). Returns the parts of the decision to
 * override, or nothing.
 */
function restoreOverwritten(input: DecideInput, candidates: readonly TrackedField[] = TRACKED_FIELDS): Partial<RecordChangeDecision> {
  const { change, link, incident } = input;
  if (!Array.isArray(change.changedFields) || !link.ownWrites) return {};
  const version: FieldVersion = { modCount: change.sequence, at: change.occurredAt };
  const fields = candidates.filter((f) => {
    const own = link.ownWrites?.[f];
    const key = INCIDENT_FIELD_OF[f];
    if (!own || !change.changedFields!.includes(f) || !(f in change.record.snapshot)) return false;
    if (!(own.decidedOn < change.sequence && change.sequence < own.landed)) return false;
    if ((link.fieldVersions?.[f]?.modCount ?? -1) > own.landed) return false;
    if (key && laterChangeQueued(input.openOps, key, version)) return false;
    return seconds(change.occurredAt) > seconds(own.changedAt);
  });
  if (fields.length === 0) return {};
  const values = incidentValuesFrom(fields, change.record.snapshot, incident, input.mapping);
  const restore: Partial<Record<SyncedField, FieldChange>> = {};
  const incidentChanges: Partial<IncidentValues> = {};
  const restoredAt = new Date(Date.parse(change.occurredAt)).toISOString();
  for (const [key, value] of Object.entries(values) as Array<[SyncedField, string | null]>) {
    restore[key] = { value, changedAt: restoredAt };
    if (incident[key] !== value) (incidentChanges as Record<string, unknown>)[key] = value;
  }
  const ownWrites: OwnWrites = { ...link.ownWrites };
  const fieldVersions: FieldVersions = { ...link.fieldVersions };
  for (const key of Object.keys(restore) as SyncedField[]) {
    for (const f of SERVICENOW_FIELDS_OF[key]) {
      // The window stays, with the restored change as the latest written over it: a later change of
      // the window whose push comes after this one is restored in turn (the crash-restart suite had
      // three severity changes in one window; the first one restored, the later two were lost).
      const own = ownWrites[f];
      if (own) ownWrites[f] = { ...own, changedAt: restoredAt };
      fieldVersions[f] = { modCount: change.sequence, at: change.occurredAt };
    }
  }
  if (Object.keys(restore).length === 0) return {};
  return { outcome: 'applied', incidentChanges, restore, ownWrites, fieldVersions, changed: fields };
}

/**
 * Re-decides a claimed write against what is known now, before it is sent (every attempt: the
 * first, a retry, a write taken over from a dead worker): each field that a ServiceNow change beat
 * (serviceNowWins, against the link's field versions) is dropped, and the incident takes
 * ServiceNow's value from the link's snapshot, unless a later open write of the incident also
 * sets that field: the incident's value is then that later incident.io change, which ServiceNow's
 * change did not beat (it is re-decided itself when its turn comes). Pure; the caller applies it.
 */
export function decideQueuedWrite(input: {
  incident: IncidentValues;
  link: Pick<IncidentLink, 'snapshot' | 'fieldVersions'>;
  fields: Partial<Record<SyncedField, FieldChange>>;
  mapping: SyncMapping;
  /** Fields set by the incident's open writes queued after this one. */
  setLater?: ReadonlySet<SyncedField>;
}): { drop: SyncedField[]; incidentChanges: Partial<IncidentValues> } {
  const drop: SyncedField[] = [];
  const fromServiceNow: TrackedField[] = [];
  for (const [key, queued] of Object.entries(input.fields) as Array<[SyncedField, FieldChange | undefined]>) {
    if (!queued) continue;
    const beaten = SERVICENOW_FIELDS_OF[key].filter((f) => {
      const version = input.link.fieldVersions[f];
      return version !== undefined && serviceNowWins(queued, version);
    });
    if (beaten.length === 0) continue;
    drop.push(key);
    fromServiceNow.push(...beaten);
  }
  const incidentChanges: Partial<IncidentValues> = {};
  const values = incidentValuesFrom(fromServiceNow, input.link.snapshot, input.incident, input.mapping);
  for (const key of drop) {
    if (input.setLater?.has(key)) continue;
    const value = values[key];
    if (value !== undefined && value !== input.incident[key]) (incidentChanges as Record<string, unknown>)[key] = value;
  }
  return { drop, incidentChanges };
}

/**
 * Whether a read of the record is not enough to decide a queued write: a read shows only the values
 * now and when the record last changed (`sys_updated_on`), not when each field changed, nor a field
 * set and set back (A → B → A). When the record changed after incident.io's change to a field this
 * write sets, a ServiceNow change to that field may be later or earlier: only the pushes of the
 * versions in between (their `changed_fields` and times) tell.
 */
export function readMayMislead(fields: Partial<Record<SyncedField, FieldChange>>, record: Pick<ServiceNowVersion, 'updatedAt'>): boolean {
  const lastChange = seconds(record.updatedAt);
  return Object.values(fields).some((queued) => queued !== undefined && lastChange > seconds(queued.changedAt));
}
