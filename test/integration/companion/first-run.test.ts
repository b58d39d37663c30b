import { runConnect } from '../../../src/companion/connect/run-connect';
import { runResend } from '../../../src/companion/doctor/run-resend';
import type { IncidentView } from '../../../src/companion/server/incident-view';
import { captureIo, FAST_CLIENT, tempDataDir } from '../../helpers/command-io';
import { svcFlags } from '../../helpers/connect-fixture';
import { CONNECTION, startRealtimeFixture, type SyncFixture } from '../../helpers/sync-fixture';

/**
 * The README's first run, as a new user meets it: the walkthrough's step 1 answers with the
 * ServiceNow record step 2 needs; a wrong address (the companion's own port) is called what it is;
 * resending a missing incident fails; a body that is not JSON is a 415.
 */

let f: SyncFixture;
beforeAll(async () => {
  f = await startRealtimeFixture();
});
afterAll(async () => {
  await f?.close();
});

describe('a first run that explains itself', () => {
  it('POST /api/incidents?wait=10 answers once the ServiceNow record exists', async () => {
    const res = await f.api<IncidentView>('POST', '/api/incidents?wait=10', { name: 'Checkout is down', severity: 'critical' });
    expect(res.status).toBe(201);
    expect(res.body.servicenow).toMatchObject({ sys_id: expect.stringMatching(/^[0-9a-f]{32}$/), number: expect.stringMatching(/^INC\d{7}$/) });
    const record = await f.record(res.body.servicenow!.sys_id, ['short_description']);
    expect(record.short_description).toBe('Checkout is down');
  });

  it('refuses a wait longer than 30 seconds with the field at fault', async () => {
    const res = await f.api<{ error: { code: string; details: Array<{ path: string }> } }>('POST', '/api/incidents?wait=99', { name: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'wait' })]);
  });

  it('answers a text/plain body with 415, as docs/sync.md says', async () => {
    const before = (await f.api<{ incidents: unknown[] }>('GET', '/api/incidents')).body.incidents.length;
    const res = await f.api<{ error: { code: string } }>('POST', '/api/incidents', '{"name":"x"}', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect((await f.api<{ incidents: unknown[] }>('GET', '/api/incidents')).body.incidents).toHaveLength(before);
  });

  it("connect against the companion's own port says it is not ServiceNow, and checks nothing else", async () => {
    const data = tempDataDir();
    try {
      const io = captureIo();
      const { exitCode, results } = await runConnect(svcFlags(f.companion, data.db), io, { connectionOptions: FAST_CLIENT });
      expect(exitCode).toBe(1);
      expect(results.checks).toHaveLength(1);
      expect(results.checks[0]).toMatchObject({ id: 'instance-reachable', ok: false });
      expect(results.checks[0]!.message).toContain(`${f.companion.url} is not a ServiceNow instance`);
      expect(results.checks[0]!.message).toContain("its own port (not the companion's)");
      expect(results.checks.some((c) => /basic authentication/.test(c.message))).toBe(false);
    } finally {
      data.remove();
    }
  });

  it('resend --incident for an incident the instance does not have fails and says so', async () => {
    const io = captureIo();
    const { exitCode, results } = await runResend({ incident: 'INC9999999', name: CONNECTION, db: f.data.db }, io, { connectionOptions: FAST_CLIENT });
    expect(exitCode).toBe(2);
    expect(results.requeued).toBeNull();
    expect(io.err()).toContain(`has no incident INC9999999`);
    expect(io.out()).toBe('');
  });

  it('resend --incident for an existing incident still succeeds', async () => {
    const declared = await f.api<IncidentView>('POST', '/api/incidents?wait=10', { name: 'Resend me' });
    const io = captureIo();
    const { exitCode } = await runResend({ incident: declared.body.servicenow!.number, name: CONNECTION, db: f.data.db }, io, { connectionOptions: FAST_CLIENT });
    expect(exitCode).toBe(0);
    expect(io.out()).toMatch(/^✔ \d+ events? of INC\d{7} requeued on "local"/);
  });
});
