import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { runSmoke, type SmokeStep } from '../../../src/smoke/run-smoke';
import { APP_API, configurePush, holdRetryJob, startAppInstance } from '../../helpers/app-instance';
import { ROOT } from '../../helpers/build';
import { USERS, type TestInstance } from '../../helpers/instance';
import { startPushReceiver, type PushReceiver } from '../../helpers/push-receiver';

/**
 * `npm run smoke` against the local instance over HTTP: as a separate process in receiver mode, and
 * through a companion stand-in (a receiver that answers 2xx only to a valid signature). Afterwards
 * nothing is left: no smoke incident, no outbox event of it, the configuration as before.
 */

jest.setTimeout(120_000);
const run = promisify(execFile);

let sn: TestInstance;

beforeAll(async () => {
  sn = await startAppInstance({ scheduler: { workers: 1, pollIntervalMs: 500 } });
  await holdRetryJob(sn);
});

afterAll(async () => {
  await sn?.close();
});

async function health(): Promise<{ config: Record<string, unknown>; outbox: Record<string, number> }> {
  const res = await sn.request('GET', `${APP_API}/health`, { auth: USERS.admin });
  return (res.json as { result: { config: Record<string, unknown>; outbox: Record<string, number> } }).result;
}

function smokeIncidents(): number {
  return sn.engine.count('incident', 'short_descriptionSTARTSWITHincident.io smoke test');
}

function outboxEvents(): number {
  return sn.engine.count('x_incident_io_outbound_event', 'payloadLIKEincident.io smoke test');
}

describe('npm run smoke', () => {
  it('as a process, in receiver mode: every step passes and the instance is left as it was', async () => {
    const before = (await health()).config;
    expect(before).toMatchObject({ enabled: false, signing_secret_set: false });
    const { stdout } = await run(process.execPath, ['-r', 'tsx/cjs', path.join(ROOT, 'src/smoke/cli.ts'), '--instance', sn.url, '--timeout', '30'], {
      cwd: ROOT,
      env: { ...process.env, SN_SMOKE_USERNAME: USERS.admin.user, SN_SMOKE_PASSWORD: USERS.admin.password },
    });
    expect(stdout).toMatch(/^ok {3}the app is installed: x_incident_io /m);
    expect(stdout).toMatch(/^ok {3}its incident\.created push arrives, signed: event [0-9a-f]{32} verified/m);
    expect(stdout).toMatch(/^ok {3}its incident\.deleted push arrives, signed: event [0-9a-f]{32} verified/m);
    expect(stdout).toMatch(/^ok {3}its outbox events are deleted: 2 event\(s\)/m);
    expect(stdout).toMatch(/smoke test passed\s*$/);
    expect(stdout).not.toMatch(/FAIL/);
    expect(smokeIncidents()).toBe(0);
    expect(outboxEvents()).toBe(0);
    expect((await health()).config).toMatchObject({ enabled: false });
  });

  it('without credentials says which variables to set, and touches nothing', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.SN_SMOKE_USERNAME;
    delete env.SN_SMOKE_PASSWORD;
    const failed = await run(process.execPath, ['-r', 'tsx/cjs', path.join(ROOT, 'src/smoke/cli.ts'), '--instance', sn.url], { cwd: ROOT, env }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('Set SN_SMOKE_USERNAME and SN_SMOKE_PASSWORD');
  });

  describe('with a companion connected', () => {
    let companion: PushReceiver;
    let secret: string;

    beforeAll(async () => {
      companion = await startPushReceiver();
      // The companion stand-in verifies every push and refuses a bad signature, as the companion does.
      companion.answer = (push) => {
        try {
          companion.verify(push, secret);
          return { status: 200 };
        } catch {
          return { status: 401, body: '{"error":"signature_mismatch"}' };
        }
      };
      secret = (await configurePush(sn, companion.url)).secret;
    });

    afterAll(async () => {
      await companion?.close();
    });

    const options = () => ({ instance: sn.url, username: USERS.admin.user, password: USERS.admin.password, timeoutMs: 20_000, pollIntervalMs: 100 });

    it('receiver mode refuses to replace the configured secret, before changing anything', async () => {
      const steps: SmokeStep[] = [];
      const result = await runSmoke({ ...options(), mode: 'receiver' }, (s) => steps.push(s));
      expect(result.ok).toBe(false);
      expect(steps.at(-1)?.detail).toMatch(/already has a signing secret.*--via-companion.*--replace-secret/);
      expect(smokeIncidents()).toBe(0);
      expect((await health()).config).toMatchObject({ webhook_url: companion.url, delivering: true });
    });

    it('--via-companion: the companion accepted both signed pushes (2xx), and nothing is left', async () => {
      const pushed = companion.pushes.length;
      const result = await runSmoke({ ...options(), mode: 'companion' });
      expect(result.steps.filter((s) => !s.ok)).toEqual([]);
      expect(result.steps.map((s) => s.name)).toContain('its incident.deleted push arrives, signed');
      expect(companion.pushes.slice(pushed).map((p) => p.event.type)).toEqual(['incident.created', 'incident.deleted']);
      expect(smokeIncidents()).toBe(0);
      expect(outboxEvents()).toBe(0);
      expect((await health()).config).toMatchObject({ webhook_url: companion.url, delivering: true });
    });

    it('--via-companion fails and names the fix when the companion rejects the signature, and still cleans up', async () => {
      const real = secret;
      secret = Buffer.alloc(32, 1).toString('base64');
      try {
        const result = await runSmoke({ ...options(), mode: 'companion' });
        expect(result.ok).toBe(false);
        const failed = result.steps.find((s) => !s.ok);
        expect(failed?.detail).toMatch(/did not accept the incident\.created push \(state failed, attempts 1, last status 401.*run incident-sn connect again/);
        expect(smokeIncidents()).toBe(0);
        expect(outboxEvents()).toBe(0);
      } finally {
        secret = real;
      }
    });
  });
});
