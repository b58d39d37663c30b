import type { Logger } from 'pino';
import { OperationAbortedError } from '../../errors';
import {
  ASYNC_BUSINESS_RULE_JOB,
  type AfterRuleEvent,
  type AsyncRuleJobPayload,
  type InstanceHooks,
  type MutableRecord,
  type RecordOperation,
  type RecordSnapshot,
} from '../hooks';
import type { TableMeta } from '../../db/dictionary';
import type { JobQueue } from '../jobs';
import type { Session } from '../session';
import type { SyslogLevel } from '../syslog';

/** What calling business rules needs from the engine. */
export interface RuleCallContext {
  hooks(): InstanceHooks;
  jobs: JobQueue;
  logger: Logger;
  log(level: SyslogLevel, message: string, source: string): void;
}

/**
 * The write's calls into the runtime's business rules (records/hooks.ts): before rules may change the
 * record or abort the write (the platform's 403 "Operation Failed"); async rules are queued as
 * sys_trigger jobs and after rules run inside the write's transaction, so the write and what its after
 * rules write (the app's outbox row and its delivery job) commit once, together. An after rule's
 * failure is logged and the write stays: what the rules wrote before it stays too, and a nested write
 * it left half done was rolled back by that write's own savepoint.
 */
export function runBefore(ctx: RuleCallContext, operation: RecordOperation, meta: TableMeta, current: MutableRecord, previous: RecordSnapshot | null, session: Session): void {
  const decision = ctx.hooks().businessRules.before({ operation, tables: meta.hierarchy, session, current, previous });
  if (decision && decision.abort) {
    const display = current.values[meta.displayColumn] || current.sysId;
    const detail = decision.ruleName
      ? `Operation against file '${meta.name}' was aborted by Business Rule '${decision.ruleName}${decision.ruleSysId ? `^${decision.ruleSysId}` : ''}'. Business Rule Stack:${decision.ruleName}`
      : `Error during ${operation} of ${meta.name} (${display})`;
    throw new OperationAbortedError('Operation Failed', detail);
  }
}

export function runAfter(ctx: RuleCallContext, event: AfterRuleEvent): void {
  try {
    ctx.hooks().businessRules.after(event);
  } catch (err) {
    // An after rule's failure never undoes the write, as on the platform.
    ctx.logger.error({ err, table: event.current.table }, 'after business rules failed');
    ctx.log('error', `After business rules on ${event.current.table} failed: ${err instanceof Error ? err.message : String(err)}`, 'engine');
  }
}

export function queueAsyncRules(ctx: RuleCallContext, event: AfterRuleEvent): void {
  const selected = ctx.hooks().businessRules.hasAsync(event);
  if (selected === false || (Array.isArray(selected) && selected.length === 0)) return;
  const payload: AsyncRuleJobPayload = {
    operation: event.operation,
    tables: [...event.tables],
    sysId: event.current.sysId,
    userName: event.session.userName,
    ...(event.operation === 'delete' ? { current: { ...event.current.values } } : {}),
    changedFields: [...event.changedFields],
    ...(Array.isArray(selected) ? { rules: [...selected] } : {}),
  };
  ctx.jobs.enqueue({
    jobType: ASYNC_BUSINESS_RULE_JOB,
    name: `ASYNC: ${event.operation} ${event.current.table}`,
    payload,
    document: event.current.table,
    documentKey: event.current.sysId,
    createdBy: event.session.userName,
  });
}
