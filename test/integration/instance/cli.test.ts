import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin', 'incident-sn.js');

/** The URL the instance prints once it serves (and has said how to stop it). */
function printedUrl(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output()}`)), 20_000);
    const check = (): void => {
      const m = /Local ServiceNow instance: (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
      if (m && output().includes('Stop with Ctrl+C, or kill -INT')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => reject(new Error(`exited early:\n${output()}`)));
  });
}

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
      const url = await printedUrl(child, () => output);
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

  it('stops a runaway business rule without stopping itself, and still stops on Ctrl+C (SIGINT)', async () => {
    // The CLI listens for SIGINT (a clean stop); runaway scripts are stopped by the script quota, with no signal.
    const child = spawn(process.execPath, [BIN, 'instance', '--port', '0', '--db', ':memory:', '--workers', '0', '--script-timeout-seconds', '1', '--log-level', 'warn'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const admin = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' };
    try {
      const url = await printedUrl(child, () => output);
      const rule = await fetch(`${url}/api/now/table/sys_script`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'Endless rule', collection: 'incident', when: 'after', action_update: 'true', active: 'true', advanced: 'true', script: 'for (;;) {}' }),
      });
      expect(rule.status).toBe(201);
      const incidents = await fetch(`${url}/api/now/table/incident?sysparm_limit=1&sysparm_fields=sys_id`, { headers: admin });
      const sysId = ((await incidents.json()) as { result: Array<{ sys_id: string }> }).result[0].sys_id;
      for (const text of ['first', 'second']) {
        const patched = await fetch(`${url}/api/now/table/incident/${sysId}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ short_description: text }) });
        expect(patched.status).toBe(200);
      }
      // Both writes stayed, the rule was stopped twice, and the instance still answers.
      const read = await fetch(`${url}/api/now/table/incident/${sysId}?sysparm_fields=short_description`, { headers: admin });
      expect(await read.json()).toEqual({ result: { short_description: 'second' } });
      const logged = await fetch(`${url}/api/now/table/syslog?sysparm_query=${encodeURIComponent('messageSTARTSWITHAfter business rules on incident failed^messageLIKEtimed out after 1000ms')}&sysparm_fields=message`, { headers: admin });
      expect(((await logged.json()) as { result: unknown[] }).result).toHaveLength(2);
      expect(child.exitCode).toBeNull();

      child.kill('SIGINT');
      expect(await exited).toEqual({ code: 0, signal: null });
      // What it logged: the two stopped rules, nothing else.
      expect(output.match(/"level":\d+/g)).toEqual(['"level":50', '"level":50']);
      expect(output.match(/Script execution timed out after 1000ms \(the transaction's script quota\)","stack"/g)).toHaveLength(2);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('names the option at fault', () => {
    const res = spawnSync(process.execPath, [BIN, 'instance', '--port', 'eighty', '--db', ':memory:'], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('--port must be a number');
  });
});
