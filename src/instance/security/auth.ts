import { createHash } from 'node:crypto';
import type { InstanceEngine } from '../records/engine';
import type { Session } from '../records/session';
import type { UserLogin } from '../records/store/platform-lookups';
import { verifyPassword } from './passwords';
import { UiSessions } from './ui-sessions';

const VERIFIED_CACHE_SIZE = 1000;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Who a request is: Basic credentials or a Bearer access token. A locked or inactive user fails
 * exactly like a wrong password. Successful password checks are remembered (keyed by a hash of the
 * credentials and valid while the stored hash is unchanged) so Basic auth does not cost an scrypt
 * per request; the user's active/locked state is read again whenever the metadata version moves
 * (a write of sys_user moves it).
 */
export class Authenticator {
  private readonly verified = new Map<string, string>();
  /** Cookie sessions of logins through /angular.do. */
  readonly ui = new UiSessions();

  constructor(private readonly engine: InstanceEngine) {}

  /**
   * The session of a UI session cookie, when the request repeats the session's user token in
   * X-UserToken (the platform refuses a cookie-only REST call, which would allow CSRF).
   */
  withUiSession(cookieHeader: string | undefined, userToken: string | undefined): Session | null {
    const ui = this.ui.fromCookieHeader(cookieHeader);
    if (!ui || !userToken || userToken !== ui.userToken) return null;
    this.engine.checkMetadata();
    const user = this.engine.lookups.userLoginById(ui.userSysId);
    if (!user || !this.usable(user)) return null;
    return this.engine.sessionForUser(user.sys_id);
  }

  /** The session of an Authorization header value, or null when it does not authenticate. */
  async authenticate(authorization: string | undefined): Promise<Session | null> {
    if (!authorization) return null;
    const space = authorization.indexOf(' ');
    if (space < 0) return null;
    const scheme = authorization.slice(0, space).toLowerCase();
    const credentials = authorization.slice(space + 1).trim();
    if (scheme === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return null;
      return this.withPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
    }
    if (scheme === 'bearer') return this.withAccessToken(credentials);
    return null;
  }

  /** Checks a user name and password; null when wrong, unknown, inactive or locked out. */
  async withPassword(userName: string, password: string): Promise<Session | null> {
    if (!userName) return null;
    const user = this.userByName(userName);
    if (!user || !this.usable(user) || !user.user_password) return null;
    const key = createHash('sha256').update(`${user.sys_id}\0${password}`).digest('hex');
    if (this.verified.get(key) !== user.user_password) {
      if (!(await verifyPassword(password, user.user_password))) return null;
      this.remember(key, user.user_password);
    }
    return this.engine.sessionForUser(user.sys_id);
  }

  /** The session of a valid, unexpired access token whose user may still log in. */
  withAccessToken(token: string): Session | null {
    if (!token) return null;
    this.engine.checkMetadata();
    const row = this.engine.lookups.accessToken(tokenHash(token));
    if (!row || !row.user || Number(row.exp ?? 0) <= this.engine.now()) return null;
    const user = this.engine.lookups.userLoginById(row.user);
    if (!user || !this.usable(user)) return null;
    return this.engine.sessionForUser(user.sys_id);
  }

  /**
   * A user's login state. Users are metadata here (every write of sys_user bumps the metadata
   * version), so a known user's row is kept until the version moves: a lock-out or deactivation
   * counts from the next request, without a read of the row per request. Unknown names are read
   * each time (nothing is kept for names anyone can make up).
   */
  userByName(userName: string): UserLogin | null {
    const known = this.engine.cachedByMetadata('auth:users-by-name', () => new Map<string, UserLogin>());
    const kept = known.get(userName);
    if (kept) return kept;
    const user = this.engine.lookups.userLoginByName(userName);
    if (user && known.size < VERIFIED_CACHE_SIZE) known.set(userName, user);
    return user;
  }

  usable(user: { active: string | null; locked_out: string | null }): boolean {
    return user.active !== 'false' && user.locked_out !== 'true';
  }

  private remember(key: string, storedHash: string): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(key, storedHash);
  }
}
