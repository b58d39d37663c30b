/**
 * Who an operation runs as. Every record operation has a session: the user of an HTTP request, the
 * user a script or job runs as, or the system itself (seeding, platform housekeeping).
 */
export interface Session {
  userSysId: string;
  userName: string;
  /** The user's display name (sys_user.name), used in journal entries' display. */
  displayName: string;
  /** Effective roles: granted directly, through groups, and every role those contain. */
  roles: ReadonlySet<string>;
  /** The platform itself: ACLs never apply, every role check passes. */
  isSystem: boolean;
}

/** The session of the platform itself (not a user): what seeding and housekeeping run as. */
export function systemSession(): Session {
  return { userSysId: '', userName: 'system', displayName: 'System', roles: new Set(['admin']), isSystem: true };
}

export function isAdmin(session: Session): boolean {
  return session.isSystem || session.roles.has('admin');
}

/** hasRole as the platform answers it: admin holds every role. */
export function sessionHasRole(session: Session, role: string): boolean {
  return isAdmin(session) || session.roles.has(role);
}
