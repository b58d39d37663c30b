import type { FastifyInstance } from 'fastify';
import { requireSession } from '../http/context';
import { sendError } from '../http/errors';
import { jsonBody } from '../http/formats';
import { isAdmin } from '../records/session';
import { Scheduler, SchedulerError } from './scheduler';

/**
 * `POST /api/now/local/jobs/run`: the platform's "Execute Now" for a scheduled job, admin only (an
 * endpoint of this emulator, not of ServiceNow). Body `{"name": "…"}` or `{"sys_id": "…"}`, and
 * `"wait": false` to answer 202 at once instead of 200 once the job has run.
 */
export const RUN_JOB_PATH = '/api/now/local/jobs/run';

export function jobsRoute(scheduler: Scheduler) {
  return (app: FastifyInstance): void => {
    app.post(RUN_JOB_PATH, async (request, reply) => {
      const ctx = request.server.instanceContext;
      const session = await requireSession(ctx, request, reply);
      if (!session) return reply;
      if (!isAdmin(session)) return sendError(reply, 403, 'Insufficient rights', 'Running a scheduled job requires the admin role');
      const body = jsonBody(request);
      const key = typeof body.sys_id === 'string' && body.sys_id ? body.sys_id : typeof body.name === 'string' ? body.name : '';
      if (!key) return sendError(reply, 400, 'Missing job', 'Give the scheduled job (sysauto_script) by "name" or "sys_id"');
      let sysId: string;
      try {
        sysId = scheduler.queueRunNow(key);
      } catch (err) {
        if (err instanceof SchedulerError) return sendError(reply, 404, 'No Record found', err.message);
        throw err;
      }
      if (body.wait === false) return reply.code(202).send({ result: { job: sysId, state: 'queued' } });
      const outcome = await scheduler.waitForJob(sysId);
      return reply.code(200).send({
        result: { job: sysId, name: outcome.name, state: outcome.state, error: outcome.error, duration_ms: outcome.durationMs },
      });
    });
  };
}
