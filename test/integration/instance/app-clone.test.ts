import { APP_API, configurePush, holdRetryJob, RETRY_JOB, setProperty, startAppInstance } from '../../helpers/app-instance';
import { USERS, type TestInstance } from '../../helpers/instance';
import { startPushReceiver, type PushReceiver } from '../../helpers/push-receiver';
import { waitFor } from '../../helpers/wait-for';

/**
 * Clone safety, end to end on the local instance with the real build: an admin changes
 * `instance_name` and `glide.servlet.uri` through the Table API (what a clone looks like to the app);
 * then nothing is queued or sent, GET /health says so, and only a new PUT /config resumes, without
 * ever sending what was queued before the clone.
 */

let sn: TestInstance;
let receiver: PushReceiver;

beforeAll(async () => {
  receiver = await startPushReceiver();
  sn = await startAppInstance({ scheduler: { workers: 1, pollIntervalMs: 5000 } });
  await holdRetryJob(sn);
  await configurePush(sn, receiver.url);
  await sn.scheduler?.ready();
});

afterAll(async () => {
  await sn?.close();
  await receiver?.close();
});

interface Health {
  instance: string;
  config: { delivering: boolean };
  clone_detected: { recorded: { name: string; url: string }; current: { name: string; url: string } } | null;
}

async function health(): Promise<Health> {
  const res = await sn.request('GET', `${APP_API}/health`, { auth: USERS.svc });
  expect(res.status).toBe(200);
  return (res.json as { result: Health }).result;
}

async function outbox(incidentSysId: string): Promise<Array<Record<string, string>>> {
  const res = await sn.list('x_incident_io_outbound_event', {
    sysparm_query: `incident_sys_id=${incidentSysId}^ORDERBYorder_key`,
    sysparm_fields: 'event_id,state,last_error',
  });
  return res.result as Array<Record<string, string>>;
}

async function asyncJobsDone(): Promise<void> {
  await waitFor(async () => (await sn.list('sys_trigger', { sysparm_query: 'job_type=async_business_rule^state!=done', sysparm_fields: 'sys_id' })).result.length === 0, {
    message: 'the async business rules to have run',
  });
}

async function change(incidentSysId: string, shortDescription: string): Promise<void> {
  const res = await sn.request('PATCH', `/api/now/table/incident/${incidentSysId}`, { auth: USERS.itil, body: { short_description: shortDescription } });
  expect(res.status).toBe(200);
}

describe('the app on a clone of the instance it was configured on', () => {
  it('queues and sends nothing, says so in GET /health, and resumes only after PUT /config, never sending what the original queued', async () => {
    const incident = (await sn.list('incident', { sysparm_query: 'active=true^ORDERBYnumber', sysparm_limit: 1, sysparm_fields: 'sys_id' })).result[0] as { sys_id: string };
    const before = await health();
    expect(before.clone_detected).toBeNull();
    expect(before.config.delivering).toBe(true);

    // Queued on the original, not yet sent when the clone is taken.
    await sn.scheduler?.pause();
    await change(incident.sys_id, 'Queued on the original');
    const [queuedOnOriginal] = await outbox(incident.sys_id);
    expect(queuedOnOriginal).toMatchObject({ state: 'queued' });

    // The clone: another instance_name and URL, set by an admin through the Table API.
    await setProperty(sn, 'instance_name', 'acme-dev');
    await setProperty(sn, 'glide.servlet.uri', 'https://acme-dev.service-now.com/');
    sn.scheduler?.resume();
    await asyncJobsDone();

    await change(incident.sys_id, 'Changed on the clone');
    await asyncJobsDone();
    expect((await sn.scheduler!.runNow(RETRY_JOB)).state).toBe('done');
    expect(receiver.pushes).toHaveLength(0);
    expect(await outbox(incident.sys_id)).toEqual([{ ...queuedOnOriginal, state: 'queued' }]);

    const cloned = await health();
    expect(cloned.config.delivering).toBe(false);
    expect(cloned.clone_detected).toEqual({
      recorded: { name: 'local', url: 'http://local.localhost/' },
      current: { name: 'acme-dev', url: 'https://acme-dev.service-now.com/' },
    });

    // Connect run against the clone: the event of the original is marked dead, never sent.
    await configurePush(sn, receiver.url);
    const after = await health();
    expect(after.clone_detected).toBeNull();
    expect(after.config.delivering).toBe(true);
    const [discarded] = await outbox(incident.sys_id);
    expect(discarded).toMatchObject({ event_id: queuedOnOriginal!.event_id, state: 'dead' });
    expect(discarded!.last_error).toContain('queued on local (http://local.localhost/) before it was cloned to acme-dev');

    await change(incident.sys_id, 'Changed on the clone, configured');
    const [pushed] = await waitFor(() => receiver.pushes.length >= 1 && receiver.pushes, { message: 'the push from the configured clone' });
    const event = pushed!.event;
    expect(event.instance).toBe('acme-dev');
    expect(event.incident.short_description).toBe('Changed on the clone, configured');
    expect(event.event_id).not.toBe(queuedOnOriginal!.event_id);
    await asyncJobsDone();
    expect(receiver.pushes.map((p) => p.event.event_id)).toEqual([event.event_id]);
  });

  it('refuses a PUT /config that is not valid without recording the identity (the clone stays stopped)', async () => {
    await setProperty(sn, 'instance_name', 'acme-test');
    const res = await sn.request('PUT', `${APP_API}/config`, { auth: USERS.svc, body: { webhook_url: 'http://example.com/not-https' } });
    expect(res.status).toBe(400);
    expect((await health()).clone_detected).toMatchObject({ recorded: { name: 'acme-dev' }, current: { name: 'acme-test' } });
  });
});
