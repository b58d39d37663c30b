import { isoToGlide } from './servicenow-record';

/**
 * The polling cursor. Each run reads the records whose `sys_updated_on` is at or after the cursor
 * minus an overlap window, and moves the cursor to the newest `sys_updated_on` it read. The
 * overlap catches a change committed late with a timestamp a little before the cursor (a long
 * transaction); re-reading what was already seen is harmless, because every version is
 * identified by (sys_id, sys_mod_count) and stored once.
 */

export const DEFAULT_POLL_OVERLAP_MS = 120_000;

/** ServiceNow time (`YYYY-MM-DD HH:MM:SS`, UTC) to epoch ms. */
export function glideToMs(value: string): number {
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

/**
 * Where a run starts reading: the cursor minus the overlap, or (first run, no cursor) `now` minus
 * the overlap: a new connection follows changes from now on, it does not import history.
 */
export function pollLowerBound(cursor: string | null, now: Date, overlapMs: number): string {
  const from = cursor === null ? now.getTime() : glideToMs(cursor);
  return isoToGlide(new Date(from - overlapMs));
}

/** The cursor after a page: the newest timestamp seen, never moving back. */
export function advanceCursor(cursor: string | null, seen: readonly string[]): string | null {
  let next = cursor;
  for (const value of seen) {
    if (value && (next === null || value > next)) next = value;
  }
  return next;
}

/** Whether a change stamped `updatedOn` is read by the next run from `cursor` (used by the tests of the guarantee). */
export function isInWindow(updatedOn: string, cursor: string | null, now: Date, overlapMs: number): boolean {
  return updatedOn >= pollLowerBound(cursor, now, overlapMs);
}

/** The id of a polled version: the same version read twice is stored once. */
export function polledRecordEventId(sysId: string, modCount: number): string {
  return `poll:incident:${sysId}:${modCount}`;
}

export function polledJournalEventId(journalSysId: string): string {
  return `poll:journal:${journalSysId}`;
}

export function polledAttachmentEventId(attachmentSysId: string): string {
  return `poll:attachment:${attachmentSysId}`;
}
