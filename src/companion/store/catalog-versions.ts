/**
 * Which of two versions of one ServiceNow record is newer. Every update bumps `sys_mod_count` and
 * sets `sys_updated_on` (to the second), so the count decides when both are known, and the
 * timestamp when the counts are equal or missing.
 */

export interface RecordVersion {
  /** ServiceNow's `sys_updated_on`: `YYYY-MM-DD HH:MM:SS` in UTC, which orders correctly as text. */
  sysUpdatedOn: string;
  sysModCount: number | null;
}

/** Negative when `a` is older than `b`, 0 when it is the same version, positive when newer. */
export function compareVersions(a: RecordVersion, b: RecordVersion): number {
  if (a.sysModCount !== null && b.sysModCount !== null && a.sysModCount !== b.sysModCount) {
    return a.sysModCount < b.sysModCount ? -1 : 1;
  }
  if (a.sysUpdatedOn === b.sysUpdatedOn) return 0;
  return a.sysUpdatedOn < b.sysUpdatedOn ? -1 : 1;
}

/** What storing `incoming` over what is `stored` does. */
export type VersionDecision = 'insert' | 'update' | 'unchanged';

/**
 * `insert` for a record not stored yet; `update` when the incoming version is newer, or when the
 * stored row was marked deleted and the record is back (readable again, or restored); `unchanged`
 * for the same version (an overlap re-read) or an older one (a slower concurrent run), which never
 * overwrites a newer one.
 */
export function decideVersion(incoming: RecordVersion, stored: (RecordVersion & { deleted: boolean }) | undefined): VersionDecision {
  if (!stored) return 'insert';
  if (stored.deleted) return 'update';
  return compareVersions(incoming, stored) > 0 ? 'update' : 'unchanged';
}
