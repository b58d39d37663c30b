import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { drainOversizedBodies } from '../../shared/drain-oversized-bodies';
import type { InstanceContext } from './context';
import { describeInstanceError, errorBody, MAX_BODY_BYTES, sendError, tooLargeDetail, BAD_REQUEST_BODY } from './errors';
import { registerFaultsRoute } from './faults-route';
import { registerOAuthRoute } from './oauth-route';
import { registerTableApi } from './table-api';

/**
 * Routes added by other parts of the instance (scripted REST APIs, the app installer's endpoints).
 * They run after the built-in routes are registered and before the server listens; use
 * `requireSession(app.instanceContext, request, reply)` for authentication.
 */
export type HttpExtension = (app: FastifyInstance, ctx: InstanceContext) => void | Promise<void>;

/**
 * Builds the HTTP server. Fastify rather than bare node:http: its router gives static routes (the
 * Table API) precedence over the wildcard routes scripted REST APIs need, it enforces the body limit
 * while streaming, and @fastify/multipart serves the upload `now-sdk install` makes. Every content
 * type parser is replaced by one that keeps the raw body, so each route answers malformed input
 * with the platform's own error shape instead of Fastify's.
 */
export async function buildHttpServer(ctx: InstanceContext, extensions: readonly HttpExtension[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  drainOversizedBodies(app);
  app.decorate('instanceContext', ctx);
  app.decorateRequest('instanceSession', null);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('onResponse', async (request, reply) => {
    // One line per request; never headers (Authorization) or bodies (passwords, secrets).
    ctx.logger.debug(
      {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        user: request.instanceSession?.userName,
      },
      'request',
    );
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 400, BAD_REQUEST_BODY, tooLargeDetail(request.headers['content-length']));
    }
    const described = describeInstanceError(err);
    if (described) return sendError(reply, described.status, described.message, described.detail);
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, err.statusCode, BAD_REQUEST_BODY, err.message);
    }
    ctx.logger.error({ err, method: request.method, path: request.url.split('?')[0] }, 'request failed');
    return reply.code(500).type('application/json').send(errorBody('Internal Server Error', err.message || 'unexpected error'));
  });

  app.setNotFoundHandler((request, reply) => {
    const status = request.url.startsWith('/api/') ? 400 : 404;
    return sendError(reply, status, 'Requested URI does not represent any resource', null);
  });

  registerOAuthRoute(app);
  registerTableApi(app);
  registerFaultsRoute(app);
  for (const extension of extensions) await extension(app, ctx);
  return app;
}
