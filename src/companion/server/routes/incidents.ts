import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { IncidentInput, IncidentService } from '../../sync/incident-service';
import type { FollowUpChanges, FollowUpService } from '../../sync/follow-up-service';
import { sendError } from '../api-error';
import { authorizes } from '../api-auth';
import { AttachmentParams, DeclareBody, DeclareQuery, FollowUpBody, FollowUpParams, FollowUpPatchBody, IncidentParams, issuesOf, ListQuery, PatchBody, UpdateBody } from '../api-schemas';
import { followUpView } from '../follow-up-view';
import { incidentView, updateView } from '../incident-view';

/**
 * The incident API (incident.io's side): declare, list, read, change, add timeline updates, and follow-ups.
 * JSON in and out, validated with zod; a 400 lists every field at fault.
 */

function parse<S extends z.ZodType>(schema: S, value: unknown, reply: FastifyReply, what: string): z.infer<S> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  sendError(reply, 400, 'validation_failed', `The ${what} is not valid.`, issuesOf(result.error));
  return undefined;
}

export function incidentRoutes(service: IncidentService, apiKey: string | null, followUps?: FollowUpService) {
  return async (api: FastifyInstance): Promise<void> => {
    // JSON only: any other body is a 415 (docs/sync.md), not a string that fails validation.
    api.removeContentTypeParser('text/plain');
    if (apiKey !== null) {
      api.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (!authorizes(request.headers.authorization, apiKey)) {
          reply.header('www-authenticate', 'Bearer');
          return sendError(reply, 401, 'unauthorized', 'Send the API key as "Authorization: Bearer <key>".');
        }
        return undefined;
      });
    }

    api.post('/incidents', async (request, reply) => {
      const query = parse(DeclareQuery, request.query, reply, 'query');
      const body = query && parse(DeclareBody, request.body ?? {}, reply, 'request body');
      if (!query || !body) return reply;
      const { custom_fields: customFields, connection, ...rest } = body;
      let details = await service.declare({ ...rest, customFields, ...(connection !== undefined ? { connection } : {}) });
      // The ServiceNow record is made by the outbound worker a moment later; ?wait=N answers with it.
      const deadline = Date.now() + query.wait * 1000;
      while (!details.link && details.connection && details.incident.exported && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        details = await service.get(details.incident.id);
      }
      return reply.code(201).send(incidentView(details));
    });

    api.get('/incidents', async (request, reply) => {
      const query = parse(ListQuery, request.query, reply, 'query');
      if (!query) return reply;
      const list = await service.list({ limit: query.limit, offset: query.offset, ...(query.status ? { status: query.status } : {}) });
      return { incidents: list.map(incidentView), limit: query.limit, offset: query.offset };
    });

    api.get('/incidents/:id', async (request, reply) => {
      const params = parse(IncidentParams, request.params, reply, 'path');
      if (!params) return reply;
      return incidentView(await service.get(params.id, { withUpdates: true }));
    });

    api.patch('/incidents/:id', async (request, reply) => {
      const params = parse(IncidentParams, request.params, reply, 'path');
      const body = params && parse(PatchBody, request.body ?? {}, reply, 'request body');
      if (!params || !body) return reply;
      const changes: IncidentInput = {};
      for (const [key, value] of Object.entries(body)) if (value !== undefined) (changes as Record<string, unknown>)[key === 'custom_fields' ? 'customFields' : key] = value;
      return incidentView(await service.update(params.id, changes));
    });

    api.post('/incidents/:id/updates', async (request, reply) => {
      const params = parse(IncidentParams, request.params, reply, 'path');
      const body = params && parse(UpdateBody, request.body ?? {}, reply, 'request body');
      if (!params || !body) return reply;
      const update = await service.addUpdate(params.id, { message: body.message, author: body.author ?? null, visibility: body.visibility });
      return reply.code(201).send(updateView(update));
    });

    // The bytes of an image attached in ServiceNow, with the type its bytes were recognised as.
    api.get('/incidents/:id/attachments/:attachment_id', async (request, reply) => {
      const params = parse(AttachmentParams, request.params, reply, 'path');
      if (!params) return reply;
      const { attachment, data, contentType } = await service.getAttachment(params.id, params.attachment_id);
      return reply
        .code(200)
        .type(contentType)
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `inline; filename="${attachment.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`)
        .send(data);
    });

    if (followUps) registerFollowUpRoutes(api, followUps);
  };
}

/** Follow-ups: `/incidents/:id/follow-ups` (POST, GET) and `/incidents/:id/follow-ups/:follow_up_id` (GET, PATCH). */
function registerFollowUpRoutes(api: FastifyInstance, followUps: FollowUpService): void {
  api.post('/incidents/:id/follow-ups', async (request, reply) => {
    const params = parse(IncidentParams, request.params, reply, 'path');
    const body = params && parse(FollowUpBody, request.body ?? {}, reply, 'request body');
    if (!params || !body) return reply;
    return reply.code(201).send(followUpView(await followUps.create(params.id, body)));
  });

  api.get('/incidents/:id/follow-ups', async (request, reply) => {
    const params = parse(IncidentParams, request.params, reply, 'path');
    if (!params) return reply;
    return { follow_ups: (await followUps.list(params.id)).map(followUpView) };
  });

  api.get('/incidents/:id/follow-ups/:follow_up_id', async (request, reply) => {
    const params = parse(FollowUpParams, request.params, reply, 'path');
    if (!params) return reply;
    return followUpView(await followUps.get(params.id, params.follow_up_id));
  });

  api.patch('/incidents/:id/follow-ups/:follow_up_id', async (request, reply) => {
    const params = parse(FollowUpParams, request.params, reply, 'path');
    const body = params && parse(FollowUpPatchBody, request.body ?? {}, reply, 'request body');
    if (!params || !body) return reply;
    const changes: FollowUpChanges = {};
    for (const [key, value] of Object.entries(body)) if (value !== undefined) (changes as Record<string, unknown>)[key] = value;
    return followUpView(await followUps.update(params.id, params.follow_up_id, changes));
  });
}
