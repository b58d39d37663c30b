/**
 * The people who may use the web pages, and their sessions. The store keeps hashes only: the
 * caller hashes passwords (argon2id) and session tokens (SHA-256) before they come here.
 */

export interface WebUser {
  id: string;
  email: string;
  passwordHash: string;
  failedAttempts: number;
  lockedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewWebSession {
  tokenHash: string;
  userId: string;
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface WebSession {
  user: Pick<WebUser, 'id' | 'email'>;
  csrfToken: string;
  expiresAt: Date;
}

export interface UserStore {
  /** Creates a user; throws UserExistsError when the email is taken. */
  createUser(email: string, passwordHash: string): Promise<WebUser>;
  /** Replaces a user's password hash (and clears a lockout); false when there is no such user. */
  setPassword(email: string, passwordHash: string): Promise<boolean>;
  findUserByEmail(email: string): Promise<WebUser | undefined>;
  countUsers(): Promise<number>;
  /** Counts a wrong password; `lockedUntil` set when the caller decided to lock the account. */
  recordFailedSignIn(userId: string, lockedUntil: Date | null): Promise<void>;
  /** A successful sign-in: the count of wrong passwords starts again. */
  clearFailedSignIns(userId: string): Promise<void>;

  createSession(session: NewWebSession): Promise<void>;
  /** The unexpired session with this token hash, or undefined. */
  getSession(tokenHash: string, now: Date): Promise<WebSession | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Removes every expired session; returns how many. */
  purgeExpiredSessions(now: Date): Promise<number>;
}
