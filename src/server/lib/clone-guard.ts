/**
 * Clone safety. PUT /config records the identity of the instance the app runs on (the
 * `instance_name` property and `glide.servlet.uri`) in the configuration record. A clone of that
 * instance carries the record over but has another identity; while the two differ the app queues
 * and sends nothing, and only a new PUT /config (Connect run against the new instance) resumes.
 */

/** The system properties that name an instance. */
export const IDENTITY_PROPERTY = { name: 'instance_name', url: 'glide.servlet.uri' } as const;

export interface InstanceIdentity {
  name: string;
  url: string;
}

/** The identity PUT /config recorded, and the one of the instance the app now runs on. */
export interface CloneDetected {
  recorded: InstanceIdentity;
  current: InstanceIdentity;
}

function normalizedUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
}

/** A recorded identity that differs from the current one, or null (nothing recorded counts as no clone). */
export function detectClone(recorded: InstanceIdentity | null, current: InstanceIdentity): CloneDetected | null {
  if (!recorded || (recorded.name.trim() === '' && recorded.url.trim() === '')) return null;
  const same = recorded.name.trim() === current.name.trim() && normalizedUrl(recorded.url) === normalizedUrl(current.url);
  return same ? null : { recorded, current };
}

function describe(identity: InstanceIdentity): string {
  return (identity.name || '(no instance_name)') + ' (' + (identity.url || 'no glide.servlet.uri') + ')';
}

/** Why pushes stopped, and what resumes them. */
export function cloneMessage(clone: CloneDetected): string {
  return (
    'this instance, ' +
    describe(clone.current) +
    ', is not the one pushes were configured on, ' +
    describe(clone.recorded) +
    ': it looks like a clone, so nothing is queued or sent. Run Connect against this instance ' +
    '(incident-sn connect) or PUT /api/x_incident_io/v1/sync/config to resume'
  );
}

/** The error an event queued before the clone carries once a PUT /config on the clone discards it. */
export function discardedByCloneError(clone: CloneDetected): string {
  return 'queued on ' + describe(clone.recorded) + ' before it was cloned to ' + describe(clone.current) + '; never sent from the clone';
}
