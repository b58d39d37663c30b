import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The one failure body of the token endpoint, whatever went wrong (the client must explain it). */
export const OAUTH_FAILURE = { error_description: 'access_denied', error: 'server_error' } as const;

/**
 * `POST /oauth_token.do`: form-encoded only. A body of any other type (JSON included) cannot carry
 * the grant's parameters and fails like any other failure: 401 with the opaque body.
 */
export function registerOAuthRoute(app: FastifyInstance): void {
  app.post('/oauth_token.do', async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = request.server.instanceContext;
    const type = String(request.headers['content-type'] ?? '').toLowerCase();
    const fail = (reason: string): FastifyReply => {
      ctx.logger.debug({ reason }, 'token request refused');
      return reply.code(401).header('Cache-Control', 'no-store').send(OAUTH_FAILURE);
    };
    if (!type.startsWith('application/x-www-form-urlencoded')) return fail('body is not application/x-www-form-urlencoded');
    const body = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
    const result = await ctx.oauth.token(new URLSearchParams(body));
    if (!result.ok) return fail(result.reason);
    return reply.code(200).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(result.body);
  });
}
