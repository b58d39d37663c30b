import type { InstanceEngine } from '../records/engine';
import type { RecordValues } from '../records/hooks';
import { parseDateTime } from '../records/values';

/**
 * Scheduled jobs (`sysauto_script`) and their triggers in `sys_trigger`: every active scheduled job
 * has exactly one pending trigger (job type `scheduled_script`) due at its next run; running it
 * queues the following one. Supported run types: periodically (run_period from run_start), daily
 * (run_time), weekly (run_dayofweek 1 = Monday … 7 = Sunday, run_time), monthly (run_dayofmonth,
 * run_time) and once (run_start). `on_demand` jobs run only when asked (run now). Times are UTC.
 */

export const SCHEDULED_SCRIPT_JOB = 'scheduled_script';

export interface ScheduledScriptPayload {
  /** sys_id of the sysauto_script. */
  script: string;
  /** Run now, once, whatever the schedule (the platform's "Execute Now"); does not queue a next run. */
  runNow?: boolean;
}

const DAY_MS = 86_400_000;

/** A glide_duration value (`1970-01-01 00:01:00` is one minute) in ms; null when unreadable or zero. */
export function durationMs(value: string | undefined): number | null {
  const text = (value ?? '').trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000 || null;
  const hms = /^(\d+):(\d{2}):(\d{2})$/.exec(text);
  if (hms) return ((Number(hms[1]) * 60 + Number(hms[2])) * 60 + Number(hms[3])) * 1000 || null;
  const ms = parseDateTime(text);
  return ms !== null && ms > 0 ? ms : null;
}

/** Milliseconds since midnight UTC of a run_time value (`1970-01-01 02:30:00`). */
function timeOfDayMs(value: string | undefined): number {
  const ms = parseDateTime((value ?? '').trim() || '1970-01-01 00:00:00');
  return ms === null ? 0 : ((ms % DAY_MS) + DAY_MS) % DAY_MS;
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** When a scheduled job runs next, strictly after `afterMs`; null when it does not run on its own. */
export function nextRunAt(job: RecordValues, afterMs: number): number | null {
  switch (job.run_type) {
    case 'periodically': {
      const period = durationMs(job.run_period);
      if (!period) return null;
      const start = parseDateTime(job.run_start ?? '') ?? afterMs;
      if (start > afterMs) return start;
      return start + (Math.floor((afterMs - start) / period) + 1) * period;
    }
    case 'daily': {
      const at = startOfDay(afterMs) + timeOfDayMs(job.run_time);
      return at > afterMs ? at : at + DAY_MS;
    }
    case 'weekly': {
      const wanted = Math.min(7, Math.max(1, Number(job.run_dayofweek) || 1));
      for (let i = 0; i <= 7; i++) {
        const day = startOfDay(afterMs) + i * DAY_MS;
        const weekday = new Date(day).getUTCDay() || 7;
        const at = day + timeOfDayMs(job.run_time);
        if (weekday === wanted && at > afterMs) return at;
      }
      return null;
    }
    case 'monthly': {
      const wanted = Math.min(31, Math.max(1, Number(job.run_dayofmonth) || 1));
      const d = new Date(afterMs);
      for (let i = 0; i < 14; i++) {
        const year = d.getUTCFullYear();
        const month = d.getUTCMonth() + i;
        const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
        const at = Date.UTC(year, month, Math.min(wanted, lastDay)) + timeOfDayMs(job.run_time);
        if (at > afterMs) return at;
      }
      return null;
    }
    case 'once': {
      const start = parseDateTime(job.run_start ?? '');
      return start !== null && start > afterMs ? start : null;
    }
    default:
      return null;
  }
}

/** Queues the next run of a scheduled job (inside the caller's transaction, if any). */
export function queueScheduledRun(engine: InstanceEngine, job: RecordValues, runAtMs: number, runNow = false): string {
  const payload: ScheduledScriptPayload = runNow ? { script: job.sys_id, runNow: true } : { script: job.sys_id };
  return engine.jobs.enqueue({
    jobType: SCHEDULED_SCRIPT_JOB,
    name: `${runNow ? 'Run now' : 'Scheduled'}: ${job.name || job.sys_id}`,
    payload,
    runAtMs,
    priority: runNow ? 0 : 100,
    document: 'sysauto_script',
    documentKey: job.sys_id,
    createdBy: engine.currentSession().userName,
  });
}

/**
 * Brings the triggers in line with the scheduled jobs: a pending trigger for every active job that
 * runs on its own, none for a job that is gone or inactive. Returns how many triggers were queued.
 */
export function syncScheduledTriggers(engine: InstanceEngine): number {
  if (!engine.hasTable('sysauto_script')) return 0;
  return engine.transaction(() => {
    const jobs = engine.query('sysauto_script', { query: 'active!=false', session: engine.systemSession() }).records.map((r) => r.values);
    const pending = engine.jobs.pendingOfType(SCHEDULED_SCRIPT_JOB);
    const pendingFor = new Set(pending.map((t) => t.documentKey));
    const active = new Set(jobs.map((j) => j.sys_id));
    for (const trigger of pending) {
      if (!active.has(trigger.documentKey)) engine.jobs.cancelReady(trigger.sysId);
    }
    const now = engine.now();
    let queued = 0;
    for (const job of jobs) {
      if (pendingFor.has(job.sys_id)) continue;
      let at = nextRunAt(job, now);
      if (at === null && job.run_type === 'once') {
        // A one-off job whose time has passed runs now, unless it already ran.
        if (!engine.jobs.everQueuedFor(SCHEDULED_SCRIPT_JOB, job.sys_id)) at = now;
      }
      if (at === null) continue;
      queueScheduledRun(engine, job, at);
      queued++;
    }
    return queued;
  });
}
