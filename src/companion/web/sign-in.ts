import type { UserStore, WebUser } from '../store';
import { decoyHash, verifyPassword } from './passwords';

/**
 * Checking an email and password, with a lockout: after MAX_FAILED_ATTEMPTS wrong passwords in a
 * row the account accepts no sign-in for LOCKOUT_MS (the right password included), and each
 * further wrong password locks it again. An unknown email costs the same hash as a known one.
 */

export const MAX_FAILED_ATTEMPTS = 5;
export const LOCKOUT_MS = 15 * 60_000;

export type SignInResult =
  | { ok: true; user: WebUser }
  | { ok: false; reason: 'wrong_credentials' }
  | { ok: false; reason: 'locked'; until: Date };

export async function signIn(users: UserStore, email: string, password: string, now: Date): Promise<SignInResult> {
  const user = await users.findUserByEmail(email);
  if (!user) {
    await verifyPassword(await decoyHash(), password);
    return { ok: false, reason: 'wrong_credentials' };
  }
  if (user.lockedUntil && user.lockedUntil > now) return { ok: false, reason: 'locked', until: user.lockedUntil };
  if (await verifyPassword(user.passwordHash, password)) {
    if (user.failedAttempts > 0) await users.clearFailedSignIns(user.id);
    return { ok: true, user };
  }
  const failures = user.failedAttempts + 1;
  const lockedUntil = failures >= MAX_FAILED_ATTEMPTS ? new Date(now.getTime() + LOCKOUT_MS) : null;
  await users.recordFailedSignIn(user.id, lockedUntil);
  return lockedUntil ? { ok: false, reason: 'locked', until: lockedUntil } : { ok: false, reason: 'wrong_credentials' };
}
