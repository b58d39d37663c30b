import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin', 'incident-sn.js');

describe('incident-sn instance', () => {
  it('prints its options with --help', () => {
    const res = spawnSync(process.execPath, [BIN, 'instance', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status).toBe(0);
    for (const option of ['--port', '--db', '--app', '--seed', '--log-level']) expect(res.stdout).toContain(option);
    expect(res.stdout).toContain('.data/instance.db');
  });

  it('starts, prints the URL and default credentials, serves the Table API, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'instance', '--port', '0', '--db', ':memory:', '--log-level', 'warn'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 20_000);
        const check = (): void => {
          const m = /Local ServiceNow instance: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (m && output.includes('Stop with Ctrl+C, or kill -INT')) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        };
        child.stdout.on('data', check);
        child.once('exit', () => reject(new Error(`exited early:\n${output}`)));
      });
      expect(output).toContain('svc_incident_io / svc-local-password');
      expect(output).toContain('incident-io-local / local-client-secret');
      const dbFile = /Database: (\S+) \(temporary/.exec(output)?.[1];
      expect(dbFile && fs.existsSync(dbFile)).toBe(true);
      const res = await fetch(`${url}/api/now/table/incident?sysparm_limit=1&sysparm_fields=number`, {
        headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ result: [{ number: 'INC0010001' }] });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(fs.existsSync(dbFile as string)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);

  it('names the option at fault', () => {
    const res = spawnSync(process.execPath, [BIN, 'instance', '--port', 'eighty', '--db', ':memory:'], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('--port must be a number');
  });
});
