import { waitFor } from '../helpers/wait-for';
import { apiRequest, connect, doctor, killAll, reportVerdict, sn, startSetup, SVC, teardown, type Json, type Setup } from './harness';
import { pendingWrites, runStream, seededRandom, settle, Workload } from './workload';

// Issue 8, proof 5: the service account's OAuth tokens revoked mid-stream (the companion must sign
// in again and go on), then its password changed as well (the companion cannot sign in: a clear
// error in doctor and /healthz, and nothing lost), then `connect` again with the new password, as
// the customer would: the queued work goes through.

jest.setTimeout(300_000);

let setup: Setup;
beforeAll(async () => {
  setup = await startSetup();
}, 120_000);

afterAll(async () => {
  killAll();
  await teardown(setup);
});

async function revokeTokens(): Promise<number> {
  const rows: Json[] = await sn(setup, 'GET', `/api/now/table/oauth_credential?sysparm_query=user.user_name=${SVC.user}&sysparm_fields=sys_id&sysparm_limit=1000`);
  for (const row of rows) await sn(setup, 'DELETE', `/api/now/table/oauth_credential/${row.sys_id}`);
  return rows.length;
}

async function setPassword(password: string): Promise<void> {
  const svc: Json[] = await sn(setup, 'GET', `/api/now/table/sys_user?sysparm_query=user_name=${SVC.user}&sysparm_fields=sys_id`);
  await sn(setup, 'PATCH', `/api/now/table/sys_user/${svc[0].sys_id}`, { user_password: password });
}

describe('5. tokens revoked and the password changed mid-stream', () => {
  let work: Workload;
  const random = seededRandom(5);
  const NEW_PASSWORD = 'svc-rotated-password-5';

  beforeAll(async () => {
    work = new Workload(setup, 'auth');
    await work.declare(5);
  });

  it('tokens revoked: the companion signs in again and the stream goes on, nothing lost', async () => {
    const streaming = runStream(work, 60, random, { incidentIo: true, serviceNow: true }, 2);
    await waitFor(() => work.changes >= 20, { timeoutMs: 30_000, message: 'the stream to start' });
    const revoked = await revokeTokens();
    expect(revoked).toBeGreaterThan(0);
    await streaming;
    const settleSeconds = await settle(setup, work, Date.now());
    const verdict = await work.verify();
    reportVerdict(`5a. ${revoked} OAuth tokens of the service account revoked mid-stream`, verdict, settleSeconds);
    expect(work.refused).toEqual([]);
    expect(verdict.problems).toEqual([]);
    expect(settleSeconds).not.toBeNull();
  });

  it('password changed (and tokens revoked): a clear error in doctor and /healthz, nothing lost; after connect with the new password it resumes', async () => {
    const before = work.changes;
    const streaming = runStream(work, 60, random, { incidentIo: true, serviceNow: true }, 2);
    await waitFor(() => work.changes >= before + 20, { timeoutMs: 30_000, message: 'the stream to go on' });
    await setPassword(NEW_PASSWORD);
    await revokeTokens();
    await streaming;
    // incident.io's changes wait in the queue; ServiceNow's still arrive (the app pushes them).
    await waitFor(async () => (await pendingWrites(setup, work)) > 0, { timeoutMs: 30_000, intervalMs: 200, message: 'writes to wait for a valid sign-in' });

    const checked = await doctor(setup);
    const healthz = await apiRequest(setup, 'GET', '/healthz');
    const healthText = JSON.stringify(healthz.body);
    const doctorSaysPassword = checked.code === 1 && /"id":\s*"oauth-token"[^}]*"ok":\s*false/.test(checked.output);
    const healthzSaysAuth = /password|credential|sign[- ]?in|unauthori[sz]ed|authenticat|401/i.test(healthText);

    const fixedAt = Date.now();
    await connect(setup, NEW_PASSWORD);
    const settleSeconds = await settle(setup, work, fixedAt);
    const verdict = await work.verify();
    reportVerdict(
      '5b. password changed and tokens revoked mid-stream, then connect with the new password',
      verdict,
      settleSeconds,
      `doctor names the sign-in: ${doctorSaysPassword}; /healthz shows it: ${healthzSaysAuth} (${healthz.status}); settle: from connect`,
    );
    expect(work.refused).toEqual([]);
    expect(verdict.problems).toEqual([]);
    expect(settleSeconds).not.toBeNull();
    expect({ doctorSaysPassword, doctor: doctorSaysPassword ? '' : checked.output }).toEqual({ doctorSaysPassword: true, doctor: '' });
    expect({ healthzSaysAuth, healthz: healthzSaysAuth ? '' : healthText }).toEqual({ healthzSaysAuth: true, healthz: '' });
  });
});
