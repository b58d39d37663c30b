import { runConnect } from '../../../src/companion/connect/run-connect';
import { runDoctor } from '../../../src/companion/doctor/run-doctor';
import { openSqliteStore } from '../../../src/companion/store';
import { captureIo, FAST_CLIENT, tempDataDir } from '../../helpers/command-io';
import { patchUser, svcFlags, SVC, withAdminServiceAccount } from '../../helpers/connect-fixture';
import { startTestInstance, type TestInstance } from '../../helpers/instance';

/**
 * incident-sn doctor against the local instance: it re-checks a stored connection without changing
 * anything, reports what broke since, and records the outcome on the connection.
 */

let sn: TestInstance;
let data: ReturnType<typeof tempDataDir>;

beforeEach(async () => {
  data = tempDataDir();
  sn = await startTestInstance({ seed: withAdminServiceAccount });
  const connected = await runConnect(svcFlags(sn, data.db, { name: 'local' }), captureIo(), { connectionOptions: FAST_CLIENT });
  expect(connected.exitCode).toBe(0);
});
afterEach(async () => {
  await sn.close();
  data.remove();
});

async function lastCheck() {
  const store = await openSqliteStore({ file: data.db, env: {} });
  try {
    return (await store.getConnection('local'))!.lastCheck;
  } finally {
    await store.close();
  }
}

const doctor = (flags: Parameters<typeof runDoctor>[0], at = new Date('2026-03-01T12:00:00Z')) => {
  const io = captureIo();
  return runDoctor({ db: data.db, ...flags }, io, { connectionOptions: FAST_CLIENT, clock: () => at }).then((r) => ({ ...r, io }));
};

describe('doctor against the local instance (polling connection)', () => {
  it('finds the stored connection healthy, changes nothing, and records the check', async () => {
    const { exitCode, results, io } = await doctor({ json: true });
    expect(results.checks.map((r) => [r.id, r.ok])).toEqual([
      ['instance-reachable', true],
      ['oauth-token', true],
      ['service-account-roles', true],
      ['app-installed', true],
      ['task-access', true],
      ['push-configured', true],
    ]);
    expect(results.checks[5]!.message).toBe('No push to check: this connection polls the instance (mode: polling) (setup guide step 5)');
    expect(exitCode).toBe(0);
    expect(JSON.parse(io.out())).toEqual(results.checks);
    expect(await lastCheck()).toEqual({ at: new Date('2026-03-01T12:00:00Z'), status: 'ok', summary: 'all 6 checks passed' });
  });

  it('reports a rate limit the sync is waiting out (kept in the store), with the next probe and what to do', async () => {
    const store = await openSqliteStore({ file: data.db, env: {} });
    const connection = (await store.getConnection('local'))!;
    const now = new Date('2026-03-01T12:00:00Z');
    await store.sync.pauses.pause({
      connectionId: connection.id,
      until: new Date(now.getTime() + 3_000_000),
      nextProbeAt: new Date(now.getTime() + 45_000),
      retryAfterSeconds: 3_000,
      reason: 'ServiceNow answered 429',
      at: new Date(now.getTime() - 15_000),
    });
    await store.close();
    const { exitCode, results, io } = await doctor({ name: 'local' }, now);
    expect(exitCode).toBe(1);
    expect(results.checks.map((r) => [r.id, r.ok]).at(-1)).toEqual(['not-rate-limited', false]);
    expect(await lastCheck()).toMatchObject({ status: 'attention', summary: expect.stringContaining('needs attention: not-rate-limited') });
    expect(io.out()).toContain('Retry-After 3000s');
    expect(io.out()).toContain('one write probes the instance in 45s');
    expect(io.out()).toContain(`matches user ${SVC.user}`);
  });

  it('reports a service account locked since connect, with the step that fixes it, and records it', async () => {
    await patchUser(sn, SVC.user, { locked_out: 'true' });
    const { exitCode, results, io } = await doctor({ name: 'local' });
    expect(exitCode).toBe(1);
    expect(results.checks[1]).toMatchObject({ id: 'oauth-token', ok: false, step: 'step 3' });
    expect(io.out()).toContain(`✘ ServiceNow refused the service account "${SVC.user}"`);
    expect(io.out()).toContain('needs attention');
    expect(await lastCheck()).toMatchObject({ status: 'attention', summary: expect.stringContaining('needs attention: oauth-token') });
  });

  it('reports admin taken away since connect: polling is no longer possible', async () => {
    const found = await sn.list('sys_user_has_role', { sysparm_query: `user.user_name=${SVC.user}^role.name=admin`, sysparm_fields: 'sys_id' });
    const res = await sn.request('DELETE', `/api/now/table/sys_user_has_role/${String(found.result[0]!.sys_id)}`);
    expect(res.status).toBe(204);
    const { exitCode, results } = await doctor({ json: true });
    expect(exitCode).toBe(1);
    expect(results.checks.find((r) => r.id === 'app-installed')).toMatchObject({ ok: false, step: 'steps 1 and 3' });
  });

  it('names the stored connections when the choice is ambiguous, or the one asked for is missing', async () => {
    const store = await openSqliteStore({ file: data.db, env: {} });
    const existing = (await store.getConnection('local'))!;
    await store.saveConnection({ ...existing, name: 'second', instanceUrl: 'https://second.service-now.com' });
    await store.close();

    const ambiguous = await doctor({});
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.io.err()).toContain('2 connections are stored (local, second): choose one with --name');

    const missing = await doctor({ name: 'third', json: true });
    expect(missing.exitCode).toBe(2);
    expect(JSON.parse(missing.io.out()).error.message).toMatch(/No connection named "third" in .*; stored: local, second/);
  });

  it('says to run connect when nothing is stored', async () => {
    const empty = tempDataDir();
    try {
      const io = captureIo();
      const { exitCode } = await runDoctor({ db: empty.db }, io);
      expect(exitCode).toBe(2);
      expect(io.err()).toContain('No connection is stored in');
      expect(io.err()).toContain('run incident-sn connect first');
    } finally {
      empty.remove();
    }
  });
});
