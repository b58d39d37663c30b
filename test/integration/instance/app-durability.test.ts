import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstanceEngine } from '../../../src/instance';
import { ASYNC_BUSINESS_RULE_JOB } from '../../../src/instance/records/hooks';
import { configurePush, holdRetryJob, RETRY_JOB, setProperty, startAppInstance } from '../../helpers/app-instance';
import { USERS, type TestInstance } from '../../helpers/instance';
import { startPushReceiver, type PushReceiver } from '../../helpers/push-receiver';
import { waitFor } from '../../helpers/wait-for';

/**
 * The outbox keeps every change: a receiver that is down leaves events failed (with attempts and the
 * next attempt), the scheduled job retries them in order once the receiver is back, gives up after
 * the maximum attempts, and queued work survives a restart of the instance.
 */

interface OutboxRow {
  event_id: string;
  event_type: string;
  state: string;
  attempts: string;
  next_attempt_at: string;
  last_http_status: string;
  last_error: string;
  sequence: string;
}

async function outbox(sn: TestInstance, incidentSysId: string): Promise<OutboxRow[]> {
  const res = await sn.list('x_incident_io_outbound_event', {
    sysparm_query: `incident_sys_id=${incidentSysId}^ORDERBYorder_key`,
    sysparm_fields: 'event_id,event_type,state,attempts,next_attempt_at,last_http_status,last_error,sequence',
  });
  return res.result as unknown as OutboxRow[];
}

async function incidentNumbered(sn: TestInstance, number: string): Promise<string> {
  const res = await sn.list('incident', { sysparm_query: `number=${number}`, sysparm_fields: 'sys_id' });
  return res.result[0].sys_id as string;
}

/** When an event's retry is due (next_attempt_at has whole seconds, so this is never later than the app's own time). */
function dueAt(row: OutboxRow): number {
  return Date.parse(`${row.next_attempt_at.replace(' ', 'T')}Z`);
}

describe('the outbox while the receiver is down', () => {
  let sn: TestInstance;
  let receiver: PushReceiver;

  beforeAll(async () => {
    receiver = await startPushReceiver();
    sn = await startAppInstance();
    await holdRetryJob(sn);
    await configurePush(sn, receiver.url);
    await setProperty(sn, 'x_incident_io.retry_base_seconds', '1');
  });

  afterAll(async () => {
    await sn?.close();
    await receiver?.close();
  });

  beforeEach(() => {
    receiver.pushes.length = 0;
  });

  it('marks events failed while the receiver answers 503, then delivers them in order once it is back', async () => {
    receiver.answer = () => ({ status: 503, body: 'maintenance' });
    const incident = await incidentNumbered(sn, 'INC0010002');
    await sn.request('PATCH', `/api/now/table/incident/${incident}`, { auth: USERS.itil, body: { short_description: 'first change' } });
    const [failed] = await waitFor(
      async () => {
        const rows = await outbox(sn, incident);
        return rows[0]?.state === 'failed' && rows;
      },
      { message: 'the first event to fail' },
    );
    expect(failed).toMatchObject({ event_type: 'incident.updated', attempts: '1', last_http_status: '503', last_error: 'HTTP 503: maintenance' });
    expect(dueAt(failed)).toBeGreaterThan(Date.now() - 2000);

    await sn.request('PATCH', `/api/now/table/incident/${incident}`, { auth: USERS.itil, body: { short_description: 'second change' } });
    // The later event waits behind the failed one (order per incident): its delivery rule runs and may
    // retry the first one if it is due already, but never sends the second before the first got through.
    await waitFor(async () => (await sn.list('sys_trigger', { sysparm_query: 'job_type=async_business_rule^state!=done' })).result.length === 0, {
      message: 'the delivery rule of the second event to run',
    });
    const waiting = await outbox(sn, incident);
    expect(waiting.map((r) => r.state)).toEqual(['failed', 'queued']);
    expect(waiting[1].attempts).toBe('0');
    expect(new Set(receiver.pushes.map((p) => p.event.incident.short_description))).toEqual(new Set(['first change']));

    const backAt = Date.now();
    receiver.answer = () => ({ status: 200 });
    await waitFor(() => Date.now() >= dueAt(waiting[0]) + 50, { message: 'the retry to be due', timeoutMs: 5000, intervalMs: 50 });
    const outcome = await sn.scheduler!.runNow(RETRY_JOB);
    expect(outcome).toMatchObject({ state: 'done', error: '' });

    const rows = await outbox(sn, incident);
    expect(rows.map((r) => r.state)).toEqual(['delivered', 'delivered']);
    expect(Number(rows[0].attempts)).toBe(Number(waiting[0].attempts) + 1);
    expect(rows[1].attempts).toBe('1');
    const delivered = receiver.pushes.filter((p) => p.at >= backAt);
    expect(delivered.map((p) => p.event.event_id)).toEqual([rows[0].event_id, rows[1].event_id]);
    expect(delivered.map((p) => p.event.incident.short_description)).toEqual(['first change', 'second change']);
    expect(delivered.map((p) => p.headers['x-incident-io-delivery-attempt'])).toEqual([rows[0].attempts, '1']);
  });

  it('gives up after the maximum attempts: the event is dead and logged', async () => {
    await setProperty(sn, 'x_incident_io.max_attempts', '2');
    receiver.answer = () => ({ status: 500, body: 'boom' });
    const incident = await incidentNumbered(sn, 'INC0010003');
    await sn.request('PATCH', `/api/now/table/incident/${incident}`, { auth: USERS.itil, body: { short_description: 'doomed change' } });
    const [first] = await waitFor(
      async () => {
        const rows = await outbox(sn, incident);
        return rows[0]?.state === 'failed' && rows;
      },
      { message: 'the event to fail once' },
    );
    await waitFor(() => Date.now() >= dueAt(first) + 50, { message: 'the retry to be due', timeoutMs: 5000, intervalMs: 50 });
    await sn.scheduler!.runNow(RETRY_JOB);
    const [dead] = await outbox(sn, incident);
    expect(dead).toMatchObject({ state: 'dead', attempts: '2', last_http_status: '500' });
    expect(receiver.pushes.filter((p) => p.event.incident.sys_id === incident).map((p) => p.headers['x-incident-io-delivery-attempt'])).toEqual(['1', '2']);
    const logs = await sn.list('syslog', { sysparm_query: `level=2^messageLIKE${dead.event_id}`, sysparm_fields: 'message,source' });
    expect(logs.result).toEqual([expect.objectContaining({ source: 'x_incident_io', message: expect.stringContaining('is dead after 2 attempts') })]);
    await setProperty(sn, 'x_incident_io.max_attempts', '12');
  });

  it('fails deliveries while outbound fault injection is on, without reaching the receiver', async () => {
    receiver.answer = () => ({ status: 200 });
    const faults = await sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 1 } } });
    expect(faults.status).toBe(200);
    try {
      const incident = await incidentNumbered(sn, 'INC0010004');
      await sn.request('PATCH', `/api/now/table/incident/${incident}`, { auth: USERS.itil, body: { short_description: 'while the network is down' } });
      const [row] = await waitFor(
        async () => {
          const rows = await outbox(sn, incident);
          return rows[0]?.state === 'failed' && rows;
        },
        { message: 'the event to fail' },
      );
      expect(row).toMatchObject({ attempts: '1', last_http_status: '0' });
      expect(row.last_error).toContain('Connection refused');
      expect(receiver.pushes.filter((p) => p.event.incident.sys_id === incident)).toEqual([]);
    } finally {
      await sn.request('DELETE', '/api/now/local/faults');
    }
  });
});

describe('queued work across a restart', () => {
  let dir: string;
  let receiver: PushReceiver;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'instance-jobs-'));
    receiver = await startPushReceiver();
  });

  afterAll(async () => {
    await receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs jobs queued before a restart, including one a worker had claimed when the instance stopped', async () => {
    const dbPath = path.join(dir, 'instance.db');
    const first = await startAppInstance({ dbPath, scheduler: false });
    let incidents: string[];
    try {
      await configurePush(first, receiver.url);
      incidents = [await incidentNumbered(first, 'INC0010005'), await incidentNumbered(first, 'INC0010006')];
      for (const id of incidents) {
        const res = await first.request('PATCH', `/api/now/table/incident/${id}`, { auth: USERS.itil, body: { short_description: `before restart ${id}` } });
        expect(res.status).toBe(200);
      }
    } finally {
      await first.close();
    }
    expect(receiver.pushes).toHaveLength(0);

    // A worker claimed one of the delivery jobs and the process died before it finished.
    const engine = InstanceEngine.open({ dbPath, bootstrap: false });
    try {
      const claimed = engine.jobs.claim('worker-of-a-dead-process', [ASYNC_BUSINESS_RULE_JOB]);
      expect(claimed).not.toBeNull();
      expect(engine.count('sys_trigger', 'state=running')).toBe(1);
    } finally {
      engine.close();
    }

    const second = await startAppInstance({ dbPath });
    try {
      await waitFor(() => receiver.pushes.length >= 2, { message: 'both queued pushes after the restart' });
      // At least once: a retry may duplicate a push, never lose one.
      expect([...new Set(receiver.pushes.map((p) => p.event.incident.sys_id))].sort()).toEqual([...incidents].sort());
      // Every delivery job, the released one included, ends done (the push arrives before its job completes).
      await waitFor(async () => (await second.list('sys_trigger', { sysparm_query: `job_type=${ASYNC_BUSINESS_RULE_JOB}^state!=done`, sysparm_fields: 'state' })).result.length === 0, {
        message: 'the delivery jobs to finish',
      });
      // Restarting with the app option again installs nothing new and keeps one scope record.
      expect(second.appInstall).toMatchObject({ inserted: 0, removed: 0, previousVersion: '1.1.0' });
    } finally {
      await second.close();
    }
  });
});
