import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { partGroup, startPart, type Part } from '../../../bench/lib/part';

/**
 * The benchmark's process harness: a part runs in its own Node process, answers calls over IPC,
 * reports failures as errors naming the part and the method, and stops on SIGTERM. (The benchmark
 * itself measures speed; this only checks that the harness behaves.)
 */

let part: Part | null = null;

afterEach(async () => {
  await part?.stop(5_000);
  part = null;
});

describe('bench parts', () => {
  it('starts the reference servers in another process, which answer over HTTP', async () => {
    part = startPart('bare-part.ts', { name: 'references' });
    expect(part.pid).not.toBe(process.pid);
    const { floorUrl, bareUrl } = await part.call<{ floorUrl: string; bareUrl: string }>('start');
    const floor = await fetch(floorUrl, { method: 'POST', body: '{}' });
    expect(floor.status).toBe(200);
    const bare = await fetch(`${bareUrl}/webhooks/servicenow/local`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(bare.status).toBe(200);
    expect(await bare.json()).toEqual({ status: 'stored', event_id: 'bare' });
    // Without a file, no durable floor.
    expect(await part.call('durableStats')).toBeNull();
  }, 60_000);

  it('starts the durable floor: each body appended to the file and synced before the answer', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-bare-'));
    try {
      part = startPart('bare-part.ts', { name: 'references' });
      const durableFile = path.join(dir, 'durable.log');
      const { durableUrl } = await part.call<{ durableUrl: string }>('start', { durableFile });
      const post = (body: string) => fetch(`${durableUrl}/webhooks/servicenow/local`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const answers = await Promise.all(['{"a":1}', '{"b":2}', '{"c":3}'].map(post));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      const written = fs.readFileSync(durableFile, 'utf8');
      for (const body of ['{"a":1}', '{"b":2}', '{"c":3}']) expect(written).toContain(body);
      expect(written).toHaveLength(21);
      const stats = await part.call<{ syncs: number; bodies: number }>('durableStats');
      expect(stats.bodies).toBe(3);
      expect(stats.syncs).toBeGreaterThanOrEqual(1);
      expect(stats.syncs).toBeLessThanOrEqual(3);
    } finally {
      await part?.stop(5_000);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('answers an unknown method with an error naming the part and the method, and exits on stop', async () => {
    part = startPart('bare-part.ts', { name: 'references' });
    await expect(part.call('nope')).rejects.toThrow('references.nope: no method nope');
    await part.stop(5_000);
    expect(part.child.exitCode !== null || part.child.signalCode !== null).toBe(true);
  }, 60_000);

  it('counts a scoped app rule’s data operations in the instance part, and seeds incidents', async () => {
    part = startPart('instance-part.ts', { name: 'instance' });
    await part.call('start', { app: false, scheduler: false });
    const made = await part.call<Array<{ sysId: string; number: string }>>('createIncidents', 3);
    expect(made).toHaveLength(3);
    expect(new Set(made.map((m) => m.sysId)).size).toBe(3);
    const stats = await part.call<{ dataOps: number; appRuleDataOps: number }>('stats');
    // No app installed: no scoped rule ran.
    expect(stats.appRuleDataOps).toBe(0);
    expect(stats.dataOps).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('forks parts early for a later start of the same file and name, and stops them with the group', async () => {
    const group = partGroup('incident-sn-bench-test-');
    try {
      group.prespawn([
        { file: 'bare-part.ts', name: 'later references' },
        { file: 'bare-part.ts', name: 'other references' },
      ]);
      const early = group.parts.map((p) => p.pid);
      expect(early).toHaveLength(2);
      await group.ready();
      const later = group.start('bare-part.ts', 'later references');
      expect(later.pid).toBe(early[0]);
      // Taken once: a second start of the same name forks a new process.
      const again = group.start('bare-part.ts', 'later references');
      expect(early).not.toContain(again.pid);
      const { floorUrl } = await later.call<{ floorUrl: string }>('start');
      expect((await fetch(floorUrl, { method: 'POST', body: '{}' })).status).toBe(200);
    } finally {
      await group.stop(5_000);
    }
    expect(group.parts.every((p) => p.child.exitCode !== null || p.child.signalCode !== null)).toBe(true);
    expect(fs.existsSync(group.dir)).toBe(false);
  }, 60_000);
});
