import { InvalidInstanceAddressError } from '../../../../src/companion/client';
import type { CommandIo } from '../../../../src/companion/commands/command-io';
import {
  CommandOptionsError,
  dbFileOf,
  publicUrlOf,
  resolveConnectSettings,
  type ConnectFlags,
} from '../../../../src/companion/commands/options';

const FULL: ConnectFlags = {
  instance: 'acme',
  clientId: 'cid',
  clientSecret: 'csecret',
  username: 'svc',
  password: 'pw',
};

function io(env: NodeJS.ProcessEnv = {}, answers?: string[]): CommandIo & { asked: string[] } {
  const asked: string[] = [];
  const result: CommandIo & { asked: string[] } = { stdout: () => undefined, stderr: () => undefined, env, asked };
  if (answers) {
    result.promptSecret = async (label) => {
      asked.push(label);
      return answers.shift() ?? '';
    };
  }
  return result;
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('connect options', () => {
  it('takes flags, parses the instance, and fills in the defaults', async () => {
    const settings = await resolveConnectSettings(FULL, io());
    expect(settings).toMatchObject({
      instanceUrl: 'https://acme.service-now.com',
      clientId: 'cid',
      username: 'svc',
      publicUrl: 'http://127.0.0.1:3000',
      dbFile: '.data/companion.db',
      json: false,
    });
    expect(settings.name).toBeUndefined();
    expect(settings.clientSecret.reveal()).toBe('csecret');
    expect(settings.password.reveal()).toBe('pw');
    expect(JSON.stringify(settings)).not.toMatch(/csecret|"pw"/);
  });

  it('takes every value from its environment variable, the flag winning when both are set', async () => {
    const env = {
      SN_INSTANCE: 'https://env.service-now.com/',
      SN_CLIENT_ID: 'env-cid',
      SN_CLIENT_SECRET: 'env-secret',
      SN_USERNAME: 'env-user',
      SN_PASSWORD: 'env-pw',
      INCIDENT_SN_CONNECTION: 'env-name',
      INCIDENT_SN_PUBLIC_URL: 'https://companion.example.com/',
      INCIDENT_SN_DB: '/tmp/env.db',
    };
    const fromEnv = await resolveConnectSettings({}, io(env));
    expect(fromEnv).toMatchObject({
      instanceUrl: 'https://env.service-now.com',
      clientId: 'env-cid',
      username: 'env-user',
      name: 'env-name',
      publicUrl: 'https://companion.example.com',
      dbFile: '/tmp/env.db',
    });
    expect(fromEnv.clientSecret.reveal()).toBe('env-secret');
    expect(fromEnv.password.reveal()).toBe('env-pw');

    const flagsWin = await resolveConnectSettings({ ...FULL, name: 'flag-name', db: 'flag.db' }, io(env));
    expect(flagsWin).toMatchObject({ instanceUrl: 'https://acme.service-now.com', clientId: 'cid', name: 'flag-name', dbFile: 'flag.db' });
    expect(flagsWin.password.reveal()).toBe('pw');
  });

  it('treats blank values as missing', async () => {
    const error = await errorOf(resolveConnectSettings({ ...FULL, clientId: '  ' }, io({ SN_CLIENT_ID: '' })));
    expect(error.message).toBe('Missing the OAuth client id: give --client-id or set SN_CLIENT_ID.');
  });

  it('off a terminal, names every missing option and its variable, and asks nothing', async () => {
    const error = await errorOf(resolveConnectSettings({ instance: 'acme', username: 'svc' }, io()));
    expect(error).toBeInstanceOf(CommandOptionsError);
    expect(error.message).toBe(
      'Missing the OAuth client id (--client-id or SN_CLIENT_ID), the OAuth client secret (--client-secret or ' +
        "SN_CLIENT_SECRET), the service account's password (--password or SN_PASSWORD). (Run on a terminal to be " +
        'asked for the secrets without echo.)',
    );
  });

  it('on a terminal, asks for missing secrets only, in order', async () => {
    const terminal = io({}, ['typed-secret', 'typed-password']);
    const settings = await resolveConnectSettings({ instance: 'acme', clientId: 'cid', username: 'svc' }, terminal);
    expect(terminal.asked).toEqual(['The OAuth client secret: ', "The service account's password: "]);
    expect(settings.clientSecret.reveal()).toBe('typed-secret');
    expect(settings.password.reveal()).toBe('typed-password');

    const onlyPassword = io({ SN_CLIENT_SECRET: 'from-env' }, ['typed-password']);
    await resolveConnectSettings({ instance: 'acme', clientId: 'cid', username: 'svc' }, onlyPassword);
    expect(onlyPassword.asked).toEqual(["The service account's password: "]);
  });

  it('on a terminal, still refuses missing values that are not secrets, before asking anything', async () => {
    const terminal = io({}, ['x', 'y']);
    const error = await errorOf(resolveConnectSettings({ instance: 'acme', clientSecret: 's', password: 'p' }, terminal));
    expect(error.message).toContain('the OAuth client id (--client-id or SN_CLIENT_ID)');
    expect(error.message).toContain("the service account's username (--username or SN_USERNAME)");
    expect(error.message).not.toContain('Run on a terminal');
    expect(terminal.asked).toEqual([]);
  });

  it('refuses an empty answer to a prompt', async () => {
    const error = await errorOf(resolveConnectSettings({ ...FULL, password: undefined }, io({}, [''])));
    expect(error.message).toBe("No value entered for the service account's password.");
  });

  it('refuses a bad instance with an example, before prompting', async () => {
    const terminal = io({}, ['x', 'y']);
    const error = await errorOf(resolveConnectSettings({ instance: 'ftp://acme', clientId: 'c', username: 'u' }, terminal));
    expect(error).toBeInstanceOf(InvalidInstanceAddressError);
    expect(error.message).toContain('hyper-payments.service-now.com');
    expect(terminal.asked).toEqual([]);
  });

  it('refuses an invalid connection name, naming the option and variable', async () => {
    const error = await errorOf(resolveConnectSettings({ ...FULL, name: 'Prod Instance' }, io()));
    expect(error.message).toContain('--name or INCIDENT_SN_CONNECTION');
  });

  it.each([
    ['not a URL', 'companion.example.com', /is not a URL \(--public-url or INCIDENT_SN_PUBLIC_URL\)/],
    ['another scheme', 'ftp://companion.example.com', /must use https/],
    ['credentials', 'https://user:pw@companion.example.com', /username or password/],
    ['a query', 'https://companion.example.com/?a=1', /query string/],
    ['a fragment', 'https://companion.example.com/#x', /fragment/],
  ])('refuses a public URL with %s', (_what, url, pattern) => {
    expect(() => publicUrlOf(url)).toThrow(pattern);
  });

  it('keeps a public URL path (a reverse proxy prefix) without trailing slashes', () => {
    expect(publicUrlOf('https://example.com/incident//')).toBe('https://example.com/incident');
    expect(publicUrlOf('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
  });

  it('finds the database file in --db, then INCIDENT_SN_DB, then the default', () => {
    expect(dbFileOf('a.db', { INCIDENT_SN_DB: 'b.db' })).toBe('a.db');
    expect(dbFileOf(undefined, { INCIDENT_SN_DB: 'b.db' })).toBe('b.db');
    expect(dbFileOf(undefined, {})).toBe('.data/companion.db');
  });
});
