import type { InstanceEngine } from '../records/engine';
import { ASYNC_BUSINESS_RULE_JOB, type AsyncRuleJobPayload } from '../records/hooks';
import type { Job } from '../records/jobs';
import type { AttachedRuntime } from '../runtime';
import { describeThrown } from '../runtime/script-runtime';
import { nextRunAt, queueScheduledRun, SCHEDULED_SCRIPT_JOB, type ScheduledScriptPayload } from './schedule';

/** The job types the scheduler runs. */
export const SCHEDULER_JOB_TYPES = [ASYNC_BUSINESS_RULE_JOB, SCHEDULED_SCRIPT_JOB] as const;

export interface JobOutcome {
  sysId: string;
  name: string;
  jobType: string;
  state: 'done' | 'error';
  /** The script's error, when it failed ('' otherwise). */
  error: string;
  durationMs: number;
}

/**
 * Runs one claimed job (on a scheduler worker): an async business-rule job, or a scheduled job's
 * script. The job is marked done, or error with the script's error; a scheduled job then queues its
 * next run (in the same transaction), whatever the outcome, as the platform's scheduler does.
 */
export class JobRunner {
  constructor(
    private readonly engine: InstanceEngine,
    private readonly attached: AttachedRuntime,
  ) {}

  run(job: Job): JobOutcome {
    const started = Date.now();
    let error = '';
    try {
      if (job.jobType === ASYNC_BUSINESS_RULE_JOB) {
        this.attached.rules.runAsync(job.payload as AsyncRuleJobPayload);
        this.engine.jobs.complete(job.sysId);
      } else if (job.jobType === SCHEDULED_SCRIPT_JOB) {
        error = this.runScheduled(job);
      } else {
        error = `the scheduler does not run jobs of type ${job.jobType}`;
        this.engine.jobs.fail(job.sysId, error);
      }
    } catch (err) {
      error = describeThrown(err).message;
      try {
        this.engine.jobs.fail(job.sysId, error);
      } catch {
        // The job stays claimed; it is released when the scheduler restarts.
      }
    }
    return { sysId: job.sysId, name: job.name, jobType: job.jobType, state: error ? 'error' : 'done', error, durationMs: Date.now() - started };
  }

  /** Returns the script's error ('' when it ran fine or did not need to run). */
  private runScheduled(job: Job): string {
    const engine = this.engine;
    const payload = (job.payload ?? {}) as ScheduledScriptPayload;
    const record = payload.script ? engine.get('sysauto_script', payload.script, { session: engine.systemSession() }) : null;
    if (!record || (!payload.runNow && record.values.active === 'false')) {
      engine.jobs.complete(job.sysId);
      return '';
    }
    const values = record.values;
    const session = (values.run_as && engine.sessionForUser(values.run_as)) || engine.systemSession();
    let error = '';
    let run = true;
    if (values.conditional === 'true' && (values.condition ?? '').trim()) {
      const condition = this.attached.runtime.run({ kind: 'condition', name: `${values.name} (condition)`, sysId: values.sys_id, scope: values.sys_scope, script: values.condition, mode: 'answer', session });
      run = condition.ok && Boolean(condition.value);
    }
    if (run) {
      const outcome = this.attached.runtime.run({ kind: 'scheduled_job', name: values.name || values.sys_id, sysId: values.sys_id, scope: values.sys_scope, script: values.script ?? '', session });
      if (!outcome.ok) error = outcome.message;
    }
    engine.transaction(() => {
      if (error) engine.jobs.fail(job.sysId, error);
      else engine.jobs.complete(job.sysId);
      if (!payload.runNow) {
        const next = nextRunAt(values, Math.max(engine.now(), job.runAtMs));
        if (next !== null) queueScheduledRun(engine, values, next);
      }
    });
    return error;
  }
}
