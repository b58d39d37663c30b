import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidRequestError } from '../../errors';
import type { RoleService } from '../reactions/role-grants';
import { systemSession, type Session } from '../session';
import type { PlatformLookups } from '../store/platform-lookups';

/**
 * Who operations run as: the innermost `runAs` (AsyncLocalStorage, so it survives awaits), else the
 * system. Sessions of users carry their effective roles and are cached until metadata changes (a
 * grant, a group membership or a user write bumps the metadata version).
 */
export class SessionContext {
  private readonly storage = new AsyncLocalStorage<Session>();
  private readonly system: Session = systemSession();
  private readonly cache = new Map<string, Session | null>();

  constructor(
    private readonly lookups: PlatformLookups,
    private readonly roles: RoleService,
    private readonly checkMetadata: () => void,
  ) {}

  systemSession(): Session {
    return this.system;
  }

  current(): Session {
    return this.storage.getStore() ?? this.system;
  }

  runAs<T>(user: string | Session, fn: () => T): T {
    const session = typeof user === 'string' ? this.forUser(user) : user;
    if (!session) throw new InvalidRequestError(`no user ${user}`);
    return this.storage.run(session, fn);
  }

  /**
   * Runs `fn` and puts back the session that was current before it, also when `fn` was stopped
   * without unwinding (a script timeout skips the finally blocks of the runAs calls inside it).
   */
  restoring<T>(fn: () => T): T {
    const before = this.storage.getStore();
    try {
      return fn();
    } finally {
      if (this.storage.getStore() !== before) this.storage.enterWith(before as Session);
    }
  }

  /** A session for a user (by user_name or sys_id) with their effective roles; null when unknown. */
  forUser(userNameOrSysId: string): Session | null {
    this.checkMetadata();
    if (this.cache.has(userNameOrSysId)) return this.cache.get(userNameOrSysId) ?? null;
    const row = this.lookups.userByNameOrId(userNameOrSysId);
    const session: Session | null = row
      ? {
          userSysId: row.sys_id,
          userName: row.user_name ?? '',
          displayName: row.name || row.user_name || '',
          roles: this.roles.roleNamesOf(row.sys_id),
          isSystem: false,
        }
      : null;
    this.cache.set(userNameOrSysId, session);
    return session;
  }

  invalidate(): void {
    this.cache.clear();
  }
}
