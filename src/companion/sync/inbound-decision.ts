import type { IncidentLink, IncidentValues, OutboundOp, ServiceNowSnapshot, SyncedField } from '../store/sync-store';
import { severityForPriority, statusForState, type SyncMapping } from './mapping';
import { diffSnapshots, type InboundChange, type TrackedField } from './servicenow-record';

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
 * 4. The conflict rule, per field: when incident.io changed the same field and that change is not
 *    written to ServiceNow yet, the later change wins. A write already being sent always lands
 *    after this ServiceNow change, so it wins; otherwise the times are compared (ServiceNow's are
 *    whole seconds: a tie goes to incident.io). When ServiceNow wins, the field is dropped from the
 *    unsent write, so nothing overwrites it.
 */

export type ChangeOutcome = 'applied' | 'stale' | 'no_change' | 'conflict';

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
  link: Pick<IncidentLink, 'snapshot' | 'lastAppliedModCount'>;
  change: Pick<InboundChange, 'sequence' | 'occurredAt' | 'record'>;
  /** The incident's writes not finished yet (pending or sending), in order. */
  openOps: readonly Pick<OutboundOp, 'id' | 'state' | 'payload'>[];
  mapping: SyncMapping;
  /** Fields not to take from this version (the ones the companion's own write just set). */
  exclude?: readonly TrackedField[];
}

export function decideRecordChange(input: DecideInput): RecordChangeDecision {
  const { incident, link, change, openOps, mapping } = input;
  if (change.sequence <= link.lastAppliedModCount) {
    return {
      outcome: 'stale',
      incidentChanges: {},
      changed: [],
      snapshot: link.snapshot,
      lastAppliedModCount: link.lastAppliedModCount,
      dropFromOps: [],
      conflicts: [],
    };
  }
  const exclude = new Set(input.exclude ?? []);
  const changed = diffSnapshots(link.snapshot, change.record.snapshot).filter((f) => !exclude.has(f));

  const candidates = incidentValuesFrom(changed, change.record.snapshot, incident, mapping);
  const incidentChanges: Partial<IncidentValues> = {};
  const conflicts: FieldConflict[] = [];
  const drops = new Map<string, SyncedField[]>();
  const serviceNowSeconds = seconds(change.occurredAt);

  for (const [key, value] of Object.entries(candidates) as Array<[SyncedField, IncidentValues[SyncedField]]>) {
    if (incident[key] === value) continue;
    const unsent = openOps.filter((op) => op.payload.fields?.[key] !== undefined);
    if (unsent.length === 0) {
      (incidentChanges as Record<string, unknown>)[key] = value;
      continue;
    }
    const sending = unsent.some((op) => op.state === 'sending');
    const latest = unsent[unsent.length - 1]!.payload.fields![key]!;
    const serviceNowLater = !sending && serviceNowSeconds > seconds(latest.changedAt);
    conflicts.push({ field: key, winner: serviceNowLater ? 'servicenow' : 'incident.io' });
    if (!serviceNowLater) continue;
    (incidentChanges as Record<string, unknown>)[key] = value;
    for (const op of unsent) drops.set(op.id, [...(drops.get(op.id) ?? []), key]);
  }

  let outcome: ChangeOutcome;
  if (Object.keys(incidentChanges).length > 0) outcome = 'applied';
  else if (conflicts.length > 0) outcome = 'conflict';
  else outcome = 'no_change';

  return {
    outcome,
    incidentChanges,
    changed,
    snapshot: { ...link.snapshot, ...change.record.snapshot },
    lastAppliedModCount: change.sequence,
    dropFromOps: [...drops].map(([opId, fields]) => ({ opId, fields })),
    conflicts,
  };
}
