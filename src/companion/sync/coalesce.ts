import type { FieldChange, OutboundOp, OutboundPayload, SyncedField } from '../store/sync-store';

/**
 * Coalescing of field writes: while an incident's last queued write is still waiting (not claimed
 * by a sender), a new change to the incident is merged into it instead of queuing another write,
 * so ten quick edits while ServiceNow is down become one PATCH with the latest values. A write that
 * is being sent, or a work note queued after it, is never merged into: order is kept.
 */

export type FieldChanges = Partial<Record<SyncedField, FieldChange>>;

/** The later change of each field wins (by changedAt; equal times: the incoming one). */
export function mergeFieldChanges(queued: FieldChanges, incoming: FieldChanges): FieldChanges {
  const merged: FieldChanges = { ...queued };
  for (const [field, change] of Object.entries(incoming) as Array<[SyncedField, FieldChange]>) {
    const before = merged[field];
    if (!before || Date.parse(change.changedAt) >= Date.parse(before.changedAt)) merged[field] = change;
  }
  return merged;
}

/**
 * Whether new field changes may be merged into this operation instead of queuing a new one. Not into
 * a write waiting for ServiceNow's pushes (`payload.awaiting`): it is given back and claimed again
 * every idle interval until they come, so merging into it races its sender's claim each round (on
 * PostgreSQL a conflict, and the API call's transaction runs again). A write queued after it does
 * the same job: the waiting write leaves the fields a later write sets to that later write.
 */
export function canCoalesceInto(op: Pick<OutboundOp, 'state' | 'kind' | 'payload'> | undefined): boolean {
  return !!op && op.state === 'pending' && (op.kind === 'update' || op.kind === 'create') && op.payload.awaiting === undefined;
}

/** The payload without these fields (ServiceNow's later change wins). */
export function withoutFields(payload: OutboundPayload, fields: readonly SyncedField[]): OutboundPayload {
  const remaining: FieldChanges = { ...payload.fields };
  for (const field of fields) delete remaining[field];
  return { ...payload, fields: remaining };
}

/** An update with no field left has nothing to write. */
export function isEmptyUpdate(payload: OutboundPayload): boolean {
  return Object.keys(payload.fields ?? {}).length === 0;
}
