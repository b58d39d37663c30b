import { randomBytes } from 'node:crypto';
import { runConnect } from '../../../../src/companion/connect/run-connect';
import { openSqliteStore } from '../../../../src/companion/store';
import { captureIo, FAST_CLIENT, tempDataDir } from '../../../helpers/command-io';
import { grantRoles } from '../../../helpers/fake-incident-io-app';
import { FakeServiceNow } from '../../../helpers/fake-servicenow';

/** runConnect's own behaviour around the checks: storage, keys, and what it refuses before calling the instance. */

let fake: FakeServiceNow;
let data: ReturnType<typeof tempDataDir>;

beforeEach(async () => {
  fake = await FakeServiceNow.start();
  fake.health = null; // no app: polling with admin
  grantRoles(fake, fake.account.username, ['admin']);
  fake.seed('task', [{ number: 'TASK0001' }]);
  data = tempDataDir();
});
afterEach(async () => {
  await fake.close();
  data.remove();
});

const flags = (extra: Record<string, unknown> = {}) => ({
  instance: fake.url,
  clientId: fake.account.clientId,
  clientSecret: fake.account.clientSecret,
  username: fake.account.username,
  password: fake.account.password,
  db: data.db,
  json: true,
  ...extra,
});

describe('runConnect', () => {
  it('refuses a malformed INCIDENT_SN_SECRET_KEY before calling the instance', async () => {
    const io = captureIo({ INCIDENT_SN_SECRET_KEY: 'too-short' });
    const { exitCode } = await runConnect(flags(), io, { connectionOptions: FAST_CLIENT });
    expect(exitCode).toBe(2);
    expect(JSON.parse(io.out()).error).toMatchObject({ code: 'secret_key_invalid', message: expect.stringContaining('INCIDENT_SN_SECRET_KEY') });
    expect(fake.requests).toEqual([]);
  });

  it('refuses a name already used for another instance before calling the instance', async () => {
    const first = await runConnect(flags({ name: 'prod' }), captureIo(), { connectionOptions: FAST_CLIENT });
    expect(first.exitCode).toBe(0);
    const other = await FakeServiceNow.start();
    try {
      const io = captureIo();
      const { exitCode } = await runConnect({ ...flags({ name: 'prod' }), instance: other.url }, io, { connectionOptions: FAST_CLIENT });
      expect(exitCode).toBe(2);
      expect(JSON.parse(io.out()).error.message).toBe(`The connection name "prod" is already used for ${fake.url}: choose another with --name.`);
      expect(other.requests).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('stores the connection anew when the stored secrets were sealed with another key', async () => {
    const keyA = { INCIDENT_SN_SECRET_KEY: randomBytes(32).toString('base64') };
    const keyB = { INCIDENT_SN_SECRET_KEY: randomBytes(32).toString('base64') };
    expect((await runConnect(flags(), captureIo(keyA), { connectionOptions: FAST_CLIENT })).exitCode).toBe(0);
    const io = captureIo(keyB);
    const again = await runConnect(flags({ json: false }), io, { connectionOptions: FAST_CLIENT });
    expect(again.exitCode).toBe(0);
    expect(io.out()).toContain('could not be decrypted with the current key, so it was replaced');
    const store = await openSqliteStore({ file: data.db, env: keyB });
    try {
      expect((await store.getConnectionByInstance(fake.url))!.password.reveal()).toBe(fake.account.password);
    } finally {
      await store.close();
    }
  });

  it('asks for missing secrets on a terminal and never prints them', async () => {
    const io = captureIo({}, [fake.account.clientSecret, fake.account.password]);
    const { exitCode } = await runConnect(flags({ clientSecret: undefined, password: undefined, json: false }), io, {
      connectionOptions: FAST_CLIENT,
    });
    expect(exitCode).toBe(0);
    expect(io.out() + io.err()).not.toContain(fake.account.password);
    expect(io.out() + io.err()).not.toContain(fake.account.clientSecret);
  });
});
