import { buildProgram } from '../../../../src/cli/main';
import { runServe, serveOptions } from '../../../../src/companion/server';
import { captureIo, parsedFlags, tempDataDir } from '../../../helpers/command-io';

/** `incident-sn serve`: its options, and a start and a graceful stop. */

describe('incident-sn serve', () => {
  it('is registered with its options', () => {
    const serve = buildProgram().commands.find((c) => c.name() === 'serve');
    expect(serve).toBeDefined();
    expect(serve!.options.map((o) => o.long)).toEqual(['--port', '--host', '--db', '--database-url', '--mapping', '--poll-interval']);
  });

  it('turns flags and variables into options, refusing bad values', async () => {
    const fromEnv = async (argv: string[], env: NodeJS.ProcessEnv) => serveOptions(await parsedFlags('serve', argv, env), env);
    expect(serveOptions({}, {})).toMatchObject({ port: 3000, host: '127.0.0.1', pollIntervalMs: 10_000, storeFile: expect.stringMatching(/\.data\/companion\.db$/) });
    expect(serveOptions({ port: '0', pollInterval: '0.5', db: '/tmp/x.db', mapping: 'm.json' }, {})).toMatchObject({ port: 0, pollIntervalMs: 500, storeFile: '/tmp/x.db', mapping: 'm.json' });
    expect(await fromEnv([], { INCIDENT_SN_DB: '/tmp/env.db', INCIDENT_SN_MAPPING: 'env.json' })).toMatchObject({ storeFile: '/tmp/env.db', mapping: 'env.json' });
    // PostgreSQL: the flag, else DATABASE_URL; neither means the SQLite file.
    expect(serveOptions({}, {}).databaseUrl).toBeUndefined();
    expect(await fromEnv([], { DATABASE_URL: 'postgres://u@db:5432/c' })).toMatchObject({ databaseUrl: 'postgres://u@db:5432/c' });
    expect(await fromEnv(['--database-url', 'postgres://u@flag/c'], { DATABASE_URL: 'postgres://u@env/c' })).toMatchObject({ databaseUrl: 'postgres://u@flag/c' });
    expect(() => serveOptions({ port: '70000' }, {})).toThrow('--port must be a port number');
    expect(() => serveOptions({ pollInterval: 'soon' }, {})).toThrow('--poll-interval must be a number of seconds');
  });

  it('serves until told to stop, then stops cleanly', async () => {
    const data = tempDataDir();
    try {
      const io = captureIo({});
      let release!: () => void;
      const stop = new Promise<void>((resolve) => (release = resolve));
      let url = '';
      const running = runServe({ port: '0', db: data.db }, io, {
        stop,
        onStarted: (companion) => {
          url = companion.url;
          release();
        },
      });
      const outcome = await running;
      expect(outcome.exitCode).toBe(0);
      expect(io.out()).toContain(`incident.io companion listening on ${url}`);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      data.remove();
    }
  });

  it('exits 2 with the reason when it cannot start', async () => {
    const io = captureIo({});
    const outcome = await runServe({ host: '0.0.0.0', port: '0' }, io);
    expect(outcome.exitCode).toBe(2);
    expect(io.err()).toContain('Refusing to serve the incident API on 0.0.0.0 without an API key');
  });
});
