import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { InstanceEngine } from '../records/engine';
import type { Session } from '../records/session';
import type { Authenticator } from '../security/auth';
import type { OAuthService } from '../security/oauth';
import type { RateLimiter } from '../security/rate-limit';
import { NOT_AUTHENTICATED, sendError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user of an /api request (set by `requireSession`). */
    instanceSession: Session | null;
  }
  interface FastifyInstance {
    /** The instance's engine and services, for every route. */
    instanceContext: InstanceContext;
  }
}

/** Everything the HTTP routes need; extensions (scripted REST, the installer) receive it too. */
export interface InstanceContext {
  engine: InstanceEngine;
  logger: Logger;
  auth: Authenticator;
  oauth: OAuthService;
  rateLimiter: RateLimiter;
}

/**
 * Who a request is: Basic credentials or a Bearer token in Authorization, or else a UI session
 * cookie with its user token in X-UserToken (a login through /angular.do, as the Now SDK's basic
 * authentication makes). Null when none of them authenticates.
 */
export async function authenticateRequest(ctx: InstanceContext, request: FastifyRequest): Promise<Session | null> {
  const authorization = request.headers.authorization;
  if (authorization) return ctx.auth.authenticate(authorization);
  const userToken = request.headers['x-usertoken'];
  return ctx.auth.withUiSession(request.headers.cookie, Array.isArray(userToken) ? userToken[0] : userToken);
}

/**
 * Authenticates an API request and applies rate limits. Answers 401 (or 429) itself and returns
 * null; otherwise returns the session (also stored as `request.instanceSession`). Every /api route
 * calls this first, scripted REST routes included.
 */
export async function requireSession(ctx: InstanceContext, request: FastifyRequest, reply: FastifyReply): Promise<Session | null> {
  const session = await authenticateRequest(ctx, request);
  if (!session) {
    sendError(reply, 401, NOT_AUTHENTICATED.message, NOT_AUTHENTICATED.detail);
    return null;
  }
  request.instanceSession = session;
  const path = request.url.split('?')[0];
  const limit = ctx.rateLimiter.hit(session, request.method, path);
  if (limit) {
    reply.header('X-RateLimit-Limit', String(limit.rule.limit));
    reply.header('X-RateLimit-Reset', String(limit.resetAt));
    reply.header('X-RateLimit-Rule', limit.rule.sysId);
    if (limit.exceeded) {
      const retryAfter = Math.max(1, limit.resetAt - Math.floor(ctx.engine.now() / 1000));
      reply.header('Retry-After', String(retryAfter));
      sendError(
        reply,
        429,
        'Rate limit exceeded',
        `Rate limit rule '${limit.rule.name}' allows ${limit.rule.limit} requests per ${ctx.rateLimiter.windowName}; try again in ${retryAfter} seconds`,
      );
      return null;
    }
  }
  return session;
}
