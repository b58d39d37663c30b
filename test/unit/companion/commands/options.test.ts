import { InvalidInstanceAddressError } from '../../../../src/companion/client';
import { buildProgram } from '../../../../src/cli/main';
import type { CommandIo } from '../../../../src/companion/commands/command-io';
import {
  CommandOptionsError,
  dbFileOf,
  publicUrlOf,
  resolveConnectSettings,
  type ConnectFlags,
} from '../../../../src/companion/commands/options';
import { parsedFlags } from '../../../helpers/command-io';

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
    const fromEnv = await resolveConnectSettings(await parsedFlags('connect', [], env), io(env));
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

    const argv = ['--instance', 'acme', '--client-id', 'cid', '--client-secret', 'csecret', '--username', 'svc', '--password', 'pw'];
    const flagsWin = await resolveConnectSettings(await parsedFlags('connect', [...argv, '--name', 'flag-name', '--db', 'flag.db'], env), io(env));
    expect(flagsWin).toMatchObject({ instanceUrl: 'https://acme.service-now.com', clientId: 'cid', name: 'flag-name', dbFile: 'flag.db' });
    expect(flagsWin.password.reveal()).toBe('pw');
  });

  it('treats blank values as missing', async () => {
    const flags = { ...FULL, ...(await parsedFlags('connect', ['--client-id', '  '], { SN_CLIENT_ID: '' })) };
    const error = await errorOf(resolveConnectSettings(flags, io({ SN_CLIENT_ID: '' })));
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
    await resolveConnectSettings(await parsedFlags('connect', ['--instance', 'acme', '--client-id', 'cid', '--username', 'svc'], onlyPassword.env), onlyPassword);
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

  it('finds the database file in --db, then INCIDENT_SN_DB, then the default', async () => {
    const dbFile = async (argv: string[], env: NodeJS.ProcessEnv) => dbFileOf((await parsedFlags('doctor', argv, env)).db);
    expect(await dbFile(['--db', 'a.db'], { INCIDENT_SN_DB: 'b.db' })).toBe('a.db');
    expect(await dbFile([], { INCIDENT_SN_DB: 'b.db' })).toBe('b.db');
    expect(await dbFile([], {})).toBe('.data/companion.db');
  });

  it("takes variables from the command's own environment only, never from the process's", async () => {
    const saved = process.env.INCIDENT_SN_DB;
    process.env.INCIDENT_SN_DB = '/tmp/process.db';
    try {
      expect((await parsedFlags('doctor', [], {})).db).toBeUndefined();
      expect((await parsedFlags('doctor', [], { INCIDENT_SN_DB: 'own.db' })).db).toBe('own.db');
    } finally {
      if (saved === undefined) delete process.env.INCIDENT_SN_DB;
      else process.env.INCIDENT_SN_DB = saved;
    }
  });

  it('names each variable in the help, as commander does for Option.env()', () => {
    const help = (name: string) => buildProgram().commands.find((c) => c.name() === name)!.helpInformation().replace(/\s+/g, ' ');
    const connect = help('connect');
    for (const variable of ['SN_INSTANCE', 'SN_CLIENT_ID', 'SN_CLIENT_SECRET', 'SN_USERNAME', 'SN_PASSWORD', 'INCIDENT_SN_CONNECTION', 'INCIDENT_SN_PUBLIC_URL', 'INCIDENT_SN_DB', 'DATABASE_URL']) {
      expect(connect).toContain(`(env: ${variable})`);
    }
    expect(help('serve')).toContain('(env: INCIDENT_SN_MAPPING)');
    for (const name of ['doctor', 'resend', 'import-catalog', 'serve', 'start']) expect(help(name)).toContain('(env: DATABASE_URL)');
  });
});
