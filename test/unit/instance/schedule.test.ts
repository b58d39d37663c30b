import { InstanceEngine } from '../../../src/instance/records/engine';
import { durationMs, nextRunAt, SCHEDULED_SCRIPT_JOB, syncScheduledTriggers } from '../../../src/instance/scheduler/schedule';

/** When scheduled jobs (sysauto_script) run, and their triggers in sys_trigger. */

const at = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`);

describe('nextRunAt', () => {
  it('runs periodic jobs every run_period counted from run_start', () => {
    const job = { run_type: 'periodically', run_period: '1970-01-01 00:01:00', run_start: '2026-11-24 01:13:24' };
    expect(durationMs(job.run_period)).toBe(60_000);
    expect(nextRunAt(job, at('2026-11-24 01:13:00'))).toBe(at('2026-11-24 01:13:24'));
    expect(nextRunAt(job, at('2026-11-24 01:13:24'))).toBe(at('2026-11-24 01:14:24'));
    expect(nextRunAt(job, at('2026-11-24 02:00:00'))).toBe(at('2026-11-24 02:00:24'));
    expect(nextRunAt({ ...job, run_period: '1970-01-02 00:00:00' }, at('2026-11-25 00:00:00'))).toBe(at('2026-11-25 01:13:24'));
    expect(nextRunAt({ ...job, run_period: '' }, at('2026-11-24 02:00:00'))).toBeNull();
  });

  it('runs daily, weekly and monthly jobs at run_time (UTC)', () => {
    const daily = { run_type: 'daily', run_time: '1970-01-01 02:30:00' };
    expect(nextRunAt(daily, at('2026-11-24 01:00:00'))).toBe(at('2026-11-24 02:30:00'));
    expect(nextRunAt(daily, at('2026-11-24 02:30:00'))).toBe(at('2026-11-25 02:30:00'));
    // 2026-11-24 is a Tuesday; run_dayofweek 1 is Monday.
    expect(nextRunAt({ run_type: 'weekly', run_dayofweek: '1', run_time: '1970-01-01 08:00:00' }, at('2026-11-24 12:00:00'))).toBe(at('2026-11-30 08:00:00'));
    expect(nextRunAt({ run_type: 'weekly', run_dayofweek: '2', run_time: '1970-01-01 13:00:00' }, at('2026-11-24 12:00:00'))).toBe(at('2026-11-24 13:00:00'));
    expect(nextRunAt({ run_type: 'monthly', run_dayofmonth: '31', run_time: '1970-01-01 00:00:00' }, at('2026-11-24 12:00:00'))).toBe(at('2026-11-30 00:00:00'));
    expect(nextRunAt({ run_type: 'monthly', run_dayofmonth: '1', run_time: '1970-01-01 06:00:00' }, at('2026-11-24 12:00:00'))).toBe(at('2026-12-01 06:00:00'));
  });

  it('runs a one-off job at run_start, and on-demand jobs never on their own', () => {
    expect(nextRunAt({ run_type: 'once', run_start: '2026-12-01 00:00:00' }, at('2026-11-24 00:00:00'))).toBe(at('2026-12-01 00:00:00'));
    expect(nextRunAt({ run_type: 'once', run_start: '2026-01-01 00:00:00' }, at('2026-11-24 00:00:00'))).toBeNull();
    expect(nextRunAt({ run_type: 'on_demand' }, at('2026-11-24 00:00:00'))).toBeNull();
  });
});

describe('syncScheduledTriggers', () => {
  let engine: InstanceEngine;
  beforeEach(() => {
    engine = InstanceEngine.open({ dbPath: ':memory:' });
  });
  afterEach(() => engine.close());

  const pending = (): Array<Record<string, string>> =>
    engine.query('sys_trigger', { query: `job_type=${SCHEDULED_SCRIPT_JOB}^stateINready,running` }).records.map((r) => r.values as Record<string, string>);

  it('keeps exactly one pending trigger per active job, and none for inactive or deleted jobs', () => {
    const job = engine.insert('sysauto_script', { name: 'Every minute', run_type: 'periodically', run_period: '1970-01-01 00:01:00', script: '', active: 'true' });
    engine.insert('sysauto_script', { name: 'On demand', run_type: 'on_demand', script: '', active: 'true' });
    expect(syncScheduledTriggers(engine)).toBe(1);
    expect(syncScheduledTriggers(engine)).toBe(0);
    const [trigger] = pending();
    expect(trigger).toMatchObject({ document: 'sysauto_script', document_key: job.sysId, name: 'Scheduled: Every minute' });
    expect(Number(trigger.run_at_ms)).toBeGreaterThan(Date.now() - 1000);
    expect(Number(trigger.run_at_ms)).toBeLessThanOrEqual(Date.now() + 60_000);

    engine.update('sysauto_script', job.sysId, { active: 'false' });
    syncScheduledTriggers(engine);
    expect(pending()).toEqual([]);
    engine.update('sysauto_script', job.sysId, { active: 'true' });
    syncScheduledTriggers(engine);
    expect(pending()).toHaveLength(1);
    engine.delete('sysauto_script', job.sysId);
    syncScheduledTriggers(engine);
    expect(pending()).toEqual([]);
  });

  it('runs a one-off job whose time has passed once, right away', () => {
    engine.insert('sysauto_script', { name: 'Once', run_type: 'once', run_start: '2020-01-01 00:00:00', script: '', active: 'true' });
    syncScheduledTriggers(engine);
    const [trigger] = pending();
    expect(Number(trigger.run_at_ms)).toBeLessThanOrEqual(Date.now());
    const claimed = engine.jobs.claim('test-worker', [SCHEDULED_SCRIPT_JOB]);
    expect(claimed?.sysId).toBe(trigger.sys_id);
    engine.jobs.complete(trigger.sys_id);
    expect(syncScheduledTriggers(engine)).toBe(0);
  });
});
