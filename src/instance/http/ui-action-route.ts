import type { FastifyInstance } from 'fastify';
import { pressUiAction } from '../runtime/ui-actions';
import type { ScriptRuntime } from '../runtime/script-runtime';
import { requireSession, type InstanceContext } from './context';
import { sendError } from './errors';

/**
 * `POST /api/now/ui/ui_action/{sys_id}?sysparm_table=…&sysparm_sys_id=…`: presses a server-side UI
 * action as the caller (what a click on the form or list does), with the platform's checks
 * (runtime/ui-actions.ts). Answers `{"result": {"action", "messages": [{type, message}]}}`.
 */
export function uiActionRoutes(runtime: ScriptRuntime) {
  return (app: FastifyInstance, ctx: InstanceContext): void => {
    app.post<{ Params: { sysId: string }; Querystring: { sysparm_table?: string; sysparm_sys_id?: string } }>(
      '/api/now/ui/ui_action/:sysId',
      async (request, reply) => {
        const session = await requireSession(ctx, request, reply);
        if (!session) return reply;
        const table = String(request.query.sysparm_table ?? '');
        if (!table) return sendError(reply, 400, 'Missing sysparm_table', 'Name the table the UI action is pressed on: ?sysparm_table=<table>');
        const outcome = pressUiAction(runtime, { actionSysId: request.params.sysId, table, recordSysId: String(request.query.sysparm_sys_id ?? ''), session });
        if (!outcome.ok) return sendError(reply, outcome.status, outcome.message, outcome.detail);
        return reply.code(200).send({ result: { action: outcome.action, messages: outcome.messages } });
      },
    );
  };
}
