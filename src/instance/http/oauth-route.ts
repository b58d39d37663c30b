import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The one failure body of the token endpoint, whatever went wrong (the client must explain it). */
export const OAUTH_FAILURE = { error_description: 'access_denied', error: 'server_error' } as const;

/**
 * What a body that is not form-encoded (JSON included) gets. The platform documents only "an
 * unspecified error"; a 500 with an OAuth-style error body is this instance's reading (unverified).
 */
export const OAUTH_WRONG_CONTENT_TYPE = { error: 'server_error', error_description: 'Unexpected request body: use application/x-www-form-urlencoded' } as const;

/**
 * `POST /oauth_token.do`: password and refresh_token grants, form-encoded only. Every refusal
 * (wrong password, locked or inactive user, unknown client, wrong secret, bad refresh token) is the
 * same opaque 401; the reason is logged at debug level only.
 */
export function registerOAuthRoute(app: FastifyInstance): void {
  app.post('/oauth_token.do', async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = request.server.instanceContext;
    const type = String(request.headers['content-type'] ?? '').toLowerCase();
    const fail = (reason: string): FastifyReply => {
      ctx.logger.debug({ reason }, 'token request refused');
      return reply.code(401).header('Cache-Control', 'no-store').send(OAUTH_FAILURE);
    };
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      ctx.logger.debug({ contentType: type }, 'token request is not form-encoded');
      return reply.code(500).header('Cache-Control', 'no-store').send(OAUTH_WRONG_CONTENT_TYPE);
    }
    const body = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
    const result = await ctx.oauth.token(new URLSearchParams(body));
    if (!result.ok) return fail(result.reason);
    return reply.code(200).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(result.body);
  });
}
