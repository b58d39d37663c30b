import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { startCompanion, type RunningCompanion } from '../../../src/companion/server';
import { openSqliteStore, Secret, SECRET_KEY_ENV, type SqliteCompanionStore } from '../../../src/companion/store';
import { silentLogger } from '../../../src/shared/logger';
import { tempDataDir } from '../../helpers/command-io';
import { closedPort } from '../../helpers/connect-fixture';
import { postPush, pushBodyFor, signedPush, type CraftedPush } from '../../helpers/sync-pushes';
import { waitFor } from '../../helpers/wait-for';
import { testConnectionInput } from '../../helpers/sync-store-fixture';

/**
 * "Answered 200" means "stored": the webhook's commits run on the store's own thread (off the event
 * loop) and a push is answered only once its commit returned. Proven with the real companion
 * (`incident-sn serve`, its own process) killed with SIGKILL the moment the 200th push is answered
 * while pushes keep coming on 8 connections: every push it answered 200 is in the database
 * afterwards. And in-process: the store's thread killed as it commits pushes loses nothing (each
 * push is answered 200 once stored, or 503 and stored when sent again, exactly once).
 * A kill -9 proves the answer waits for the commit; that the commit waits for the disk (a power
 * loss) is SQLite's `synchronous = FULL` on the thread's connection (sqlite-thread.test.ts).
 */

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/incident-sn.js');
const CONNECTION = 'acme';
const LANES = 8;
const INCIDENTS = 20;
const secretKey = crypto.randomBytes(32).toString('base64');
const signingSecret = crypto.randomBytes(32).toString('base64');

let data: ReturnType<typeof tempDataDir>;
let connectionId: string;
beforeEach(async () => {
  data = tempDataDir();
  const store = await openSqliteStore({ file: data.db, env: { [SECRET_KEY_ENV]: secretKey } });
  try {
    const saved = await store.saveConnection(
      // Nothing listens at the instance URL: the received events stay stored and unapplied, which is all this test reads.
      testConnectionInput({ name: CONNECTION, instanceUrl: `http://127.0.0.1:${await closedPort()}`, signingSecret: new Secret(signingSecret) }),
    );
    connectionId = saved.connection.id;
  } finally {
    await store.close();
  }
});
afterEach(() => data.remove());

let sequence = 0;
function nextPush(): CraftedPush {
  sequence++;
  const n = sequence % INCIDENTS;
  const record = { sys_id: `a${String(n).padStart(31, '0')}`, number: `INC${String(n).padStart(7, '0')}` };
  return signedPush(signingSecret, pushBodyFor(record, { sequence, changedFields: ['short_description'], values: { short_description: `change ${sequence}` } }));
}

/** Which of these events the store holds (read after the companion is gone). */
async function storedOf(eventIds: string[]): Promise<{ stored: string[]; missing: string[]; rows: number }> {
  const store = await openSqliteStore({ file: data.db, env: { [SECRET_KEY_ENV]: secretKey } });
  try {
    const stored: string[] = [];
    const missing: string[] = [];
    for (const id of eventIds) ((await store.sync.inbound.get(connectionId, id)) ? stored : missing).push(id);
    const counts = await store.sync.inbound.countByState();
    return { stored, missing, rows: Object.values(counts).reduce((a, b) => a + b, 0) };
  } finally {
    await store.close();
  }
}

it('every push the real companion answered 200 before a kill -9 is in the database', async () => {
  const port = await closedPort();
  const env: NodeJS.ProcessEnv = { ...process.env, [SECRET_KEY_ENV]: secretKey, INCIDENT_SN_API_KEY: '', LOG_LEVEL: 'error' };
  delete env.INCIDENT_SN_DB;
  delete env.DATABASE_URL;
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--db', data.db], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(() => /listening on/.test(output), { timeoutMs: 60_000, intervalMs: 50, message: `the companion to listen; its output:\n${output}` });
    const url = `http://127.0.0.1:${port}`;
    const answered: string[] = [];
    let unanswered = 0;
    let killed = false;
    const lane = async () => {
      while (!killed) {
        const push = nextPush();
        const answer = await postPush(url, CONNECTION, push).catch(() => null);
        if (!answer || killed) {
          unanswered++;
          continue;
        }
        expect(answer.status).toBe(200);
        answered.push(push.eventId);
        if (answered.length === 200) {
          // The moment the 200th answer is read: no shutdown, no chance to write anything more.
          killed = true;
          child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    await exited;
    const { missing } = await storedOf(answered);
    expect(answered).toHaveLength(200);
    expect(missing).toEqual([]);
    // The lanes' last pushes were cut off by the kill: unanswered, so the app would send them again.
    expect(unanswered).toBeGreaterThan(0);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
});

it("the store's thread killed while it commits pushes: each push is answered 200 once stored or 503, and sent again is stored exactly once", async () => {
  let companion: RunningCompanion | undefined;
  try {
    companion = await startCompanion({ storeFile: data.db, env: { [SECRET_KEY_ENV]: secretKey }, port: 0, apiKey: null, logger: silentLogger(), sync: { defaultMetrics: false } });
    const store = companion.store as SqliteCompanionStore;
    // The pushes' own connection: its thread ends as a crash would, right as a batch of pushes is handed to it.
    const thread = store.ingestThread!;
    expect(thread).toBeDefined();
    const transaction = thread.transaction.bind(thread);
    let armed = false;
    let handedOver = 0;
    thread.transaction = (statements) => {
      const reply = transaction(statements);
      if (armed) {
        armed = false;
        handedOver = statements.length;
        void thread.kill();
      }
      return reply;
    };
    const pushes = Array.from({ length: 120 }, nextPush);
    const answers = new Map<string, number>();
    let next = 0;
    const lane = async () => {
      while (next < pushes.length) {
        const push = pushes[next++]!;
        if (next === 40) armed = true;
        answers.set(push.eventId, (await postPush(companion!.url, CONNECTION, push)).status);
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    expect(thread.deaths).toBe(1);
    expect(handedOver).toBeGreaterThan(0);
    expect([...new Set(answers.values())].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    const ok = [...answers].filter(([, status]) => status === 200).map(([id]) => id);
    // As the app does: everything not answered 200 is sent again.
    for (const push of pushes.filter((p) => answers.get(p.eventId) !== 200)) {
      expect((await postPush(companion.url, CONNECTION, push)).status).toBe(200);
    }
    await companion.close();
    companion = undefined;
    const { stored, missing, rows } = await storedOf(pushes.map((p) => p.eventId));
    expect(missing).toEqual([]);
    expect(stored).toHaveLength(pushes.length);
    expect(rows).toBe(pushes.length);
    expect(ok.length).toBeGreaterThan(0);
  } finally {
    await companion?.close();
  }
});
