import { startPart, type Part } from '../../../bench/lib/part';

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
});
