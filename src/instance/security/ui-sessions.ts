import { randomBytes } from 'node:crypto';

/** The cookie that carries a UI session (the platform's servlet session cookie). */
export const SESSION_COOKIE = 'JSESSIONID';
/** How many UI sessions are kept (the oldest is dropped first). */
const MAX_SESSIONS = 1000;

export interface UiSession {
  id: string;
  userSysId: string;
  /** The session's CSRF token (g_ck): REST calls made with the session cookie send it as X-UserToken. */
  userToken: string;
}

/**
 * Browser-style sessions, as a login through `/angular.do` creates them (what `now-sdk auth --type
 * basic` and the SDK's CI basic mode use): a session cookie plus a user token that every REST call
 * made with the cookie must repeat in `X-UserToken`. Kept in memory: a restart logs everyone out,
 * as a node restart does on the platform.
 */
export class UiSessions {
  private readonly sessions = new Map<string, UiSession>();

  create(userSysId: string): UiSession {
    const session: UiSession = { id: randomBytes(16).toString('hex').toUpperCase(), userSysId, userToken: randomBytes(32).toString('hex') };
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session named by a Cookie header, if any. */
  fromCookieHeader(cookieHeader: string | undefined): UiSession | null {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    return id ? (this.sessions.get(id) ?? null) : null;
  }
}

export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
