import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isAdmin } from '../records/session';
import { requireSession } from './context';
import { sendError } from './errors';
import { readFaultSettings, resetFaultSettings, writeFaultSettings } from './faults';
import { jsonBody } from './formats';

/** Where admins read and change fault injection. Not a platform API: the local instance's own. */
export const FAULTS_PATH = '/api/now/local/faults';

export function registerFaultsRoute(app: FastifyInstance): void {
  const guarded =
    (action: (request: FastifyRequest, reply: FastifyReply) => FastifyReply) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const ctx = request.server.instanceContext;
      const session = await requireSession(ctx, request, reply);
      if (!session) return reply;
      if (!isAdmin(session)) return sendError(reply, 403, 'Insufficient rights', 'Fault injection requires the admin role');
      try {
        return action(request, reply);
      } catch (err) {
        if (err instanceof z.ZodError) {
          const issue = err.issues[0];
          return sendError(reply, 400, 'Invalid fault settings', `${issue.path.join('.')}: ${issue.message}`);
        }
        throw err;
      }
    };
  app.get(
    FAULTS_PATH,
    guarded((request, reply) => reply.send({ result: readFaultSettings(request.server.instanceContext.engine) })),
  );
  app.put(
    FAULTS_PATH,
    guarded((request, reply) => reply.send({ result: writeFaultSettings(request.server.instanceContext.engine, jsonBody(request)) })),
  );
  app.delete(
    FAULTS_PATH,
    guarded((request, reply) => reply.send({ result: resetFaultSettings(request.server.instanceContext.engine) })),
  );
}
