import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse, serialize } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserStore, WebSession } from '../store';

/**
 * Signed-in sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure when served over
 * https), stored as its SHA-256. Every form carries the session's CSRF token; the sign-in form,
 * before any session exists, carries one that must match a short-lived cookie (double submit).
 */

export const SESSION_COOKIE = 'incident_sn_session';
export const LOGIN_CSRF_COOKIE = 'incident_sn_login_csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_TTL_MS = 12 * 3600_000;

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two tokens (false for a missing one). */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

export function cookiesOf(request: FastifyRequest): Record<string, string | undefined> {
  return parse(request.headers.cookie ?? '');
}

export function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

export function setCookie(reply: FastifyReply, request: FastifyRequest, name: string, value: string, maxAgeSeconds: number): void {
  const cookie = serialize(name, value, { httpOnly: true, sameSite: 'lax', secure: isHttps(request), path: '/', maxAge: maxAgeSeconds });
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  reply.header('set-cookie', [...list, cookie]);
}

export function clearCookie(reply: FastifyReply, request: FastifyRequest, name: string): void {
  setCookie(reply, request, name, '', 0);
}

/** Starts a session for a user who signed in (and drops every expired session). */
export async function startSession(users: UserStore, userId: string, now: Date): Promise<{ token: string; csrfToken: string }> {
  const token = randomToken();
  const csrfToken = randomToken();
  // Each sign-in sweeps the sessions that expired, so the table holds only live ones without a timer.
  await users.purgeExpiredSessions(now);
  await users.createSession({ tokenHash: tokenHash(token), userId, csrfToken, createdAt: now, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) });
  return { token, csrfToken };
}

export async function sessionOf(users: UserStore, request: FastifyRequest, now: Date): Promise<WebSession | undefined> {
  const token = cookiesOf(request)[SESSION_COOKIE];
  if (!token || token.length > 200) return undefined;
  return users.getSession(tokenHash(token), now);
}
