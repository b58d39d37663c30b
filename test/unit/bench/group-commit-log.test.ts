import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GroupCommitLog } from '../../../bench/lib/group-commit-log';

/** The durable floor's group commit: every body written and synced before its append resolves. */
describe('GroupCommitLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-group-commit-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers each append after an fdatasync that covers it; appends that wait during a sync share the next one', async () => {
    const file = await fs.promises.open(path.join(dir, 'log'), 'a');
    const calls: string[] = [];
    // The real file, with each call recorded in order.
    const recorded = {
      writev: async (buffers: Buffer[]) => {
        calls.push(`writev ${buffers.map((b) => b.toString()).join(',')}`);
        return file.writev(buffers);
      },
      datasync: async () => {
        await file.datasync();
        calls.push('datasync');
      },
    } as unknown as fs.promises.FileHandle;
    const log = new GroupCommitLog(recorded);
    const appended = ['a', 'b', 'c'].map((body) => log.append(Buffer.from(body)).then(() => calls.push(`answered ${body}`)));
    await Promise.all(appended);
    await file.close();
    // a alone (nothing waited), then b and c together, each answered only after its group's sync.
    expect(calls.filter((c) => !c.startsWith('answered'))).toEqual(['writev a', 'datasync', 'writev b,c', 'datasync']);
    const at = (call: string) => calls.indexOf(call);
    expect(at('answered a')).toBeGreaterThan(at('datasync'));
    expect(at('answered b')).toBeGreaterThan(calls.lastIndexOf('datasync'));
    expect(at('answered c')).toBeGreaterThan(calls.lastIndexOf('datasync'));
    expect(log.stats).toEqual({ syncs: 2, bodies: 3 });
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).toBe('abc');
  });

  it('rejects the appends of a group whose sync failed, and goes on with the next group', async () => {
    let failNext = true;
    const failing = {
      writev: async () => undefined,
      datasync: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('EIO');
        }
      },
    } as unknown as fs.promises.FileHandle;
    const log = new GroupCommitLog(failing);
    const first = log.append(Buffer.from('a'));
    const second = log.append(Buffer.from('b'));
    await expect(first).rejects.toThrow('EIO');
    await expect(second).resolves.toBeUndefined();
    expect(log.stats).toEqual({ syncs: 1, bodies: 1 });
  });
});
