import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from '../../../../src/companion/store';
import type { NewInboundEvent, SyncRepositories, SyncStore } from '../../../../src/companion/store/sync-store';
import { InboundGroupCommit, MIN_PIPELINED_EVENTS, type RecordedEvent } from '../../../../src/companion/sync/inbound-group-commit';
import { openTestStore, STORE_BACKENDS, type TestStore } from '../../../helpers/store-backends';
import { saveTestConnection } from '../../../helpers/sync-store-fixture';

/**
 * Group commit of received events on a real SQLite file and a real PostgreSQL database: pushes
 * that arrive together share one transaction, each is answered only once its event is committed
 * (seen from another connection), duplicates are told apart, a failed batch gives each push the
 * answer it would have had alone, and an incident's events keep their arrival order.
 */

describe.each(STORE_BACKENDS)('inbound group commit on %s', (backend) => {
  let dir: string;
  let store: TestStore;
  let connection: Connection;
  const T0 = new Date('2026-01-01T10:00:00.000Z');

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-group-commit-'));
    store = await openTestStore(backend, { dir });
    connection = await saveTestConnection(store);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function event(eventId: string, sysId: string, sequence: number, connectionId = connection.id): NewInboundEvent {
    const receivedAt = new Date(T0.getTime() + sequence);
    return {
      connectionId,
      eventId,
      source: 'push',
      type: 'incident.updated',
      incidentSysId: sysId,
      sequence,
      orderKey: String(sequence).padStart(10, '0'),
      occurredAt: receivedAt,
      receivedAt,
      payload: { eventId },
    };
  }

  /** The store's sync repositories, counting transactions; `failNext` makes the next N transactions roll back at their end. */
  function counting(sync: SyncStore) {
    const counts = { transactions: 0, batchSizes: [] as number[], failNext: 0 };
    const wrapped: Pick<SyncStore, 'transaction' | 'inbound'> = {
      inbound: sync.inbound,
      transaction: <T>(work: (tx: SyncRepositories) => Promise<T>) => {
        counts.transactions += 1;
        return sync.transaction(async (tx) => {
          let size = 0;
          const inbound = Object.create(tx.inbound) as typeof tx.inbound;
          inbound.record = (e) => {
            size += 1;
            return tx.inbound.record(e);
          };
          const result = await work({ ...tx, inbound } as SyncRepositories);
          counts.batchSizes.push(size);
          if (counts.failNext > 0) {
            counts.failNext -= 1;
            throw new Error('the commit failed');
          }
          return result;
        });
      },
    };
    return { counts, wrapped };
  }

  async function storedIds(): Promise<string[]> {
    const rows = await store.query('SELECT event_id FROM sync_inbound_events ORDER BY event_id');
    return rows.map((r) => String(r.event_id));
  }

  it('stores pushes that arrive together in one transaction, and answers each only once it is committed', async () => {
    const { counts, wrapped } = counting(store.sync);
    const group = new InboundGroupCommit(wrapped);
    const seenAtAnswer: boolean[] = [];
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        group.record(event(`e${String(i).padStart(2, '0')}`, `sys${i % 3}`, i)).then(async (result) => {
          // Read from another connection: only committed rows are visible there.
          const rows = await store.query('SELECT id FROM sync_inbound_events WHERE event_id = ?', `e${String(i).padStart(2, '0')}`);
          seenAtAnswer.push(rows.length === 1 && rows[0]!.id === result.id);
          return result;
        }),
      ),
    );
    expect(counts.transactions).toBe(1);
    expect(counts.batchSizes).toEqual([12]);
    expect(answers.every((a) => a.stored)).toBe(true);
    expect(new Set(answers.map((a) => a.id)).size).toBe(12);
    expect(seenAtAnswer).toEqual(Array(12).fill(true));
    expect(await storedIds()).toHaveLength(12);
  });

  it('pushes arriving after a batch started go together in the next one, not one transaction each', async () => {
    const { counts, wrapped } = counting(store.sync);
    const group = new InboundGroupCommit(wrapped);
    const first = group.record(event('a0', 'sys', 0));
    // Arrive while the first batch is being committed.
    await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 9 }, (_, i) => group.record(event(`b${i}`, 'sys', i + 1)));
    const results = await Promise.all([first, ...later]);
    expect(results.every((r) => r.stored)).toBe(true);
    // One commit for the first push (alone: no transaction wrapper needed), then one for the nine.
    expect(counts.transactions).toBe(1);
    expect(counts.batchSizes).toEqual([9]);
  });

  it('tells a duplicate apart, within a batch and against a stored event, with the stored id', async () => {
    const before = await store.sync.inbound.record(event('dup-old', 'sys', 1));
    const group = new InboundGroupCommit(store.sync);
    const [a, b, c, d] = await Promise.all([
      group.record(event('dup-new', 'sys', 2)),
      group.record(event('dup-new', 'sys', 2)),
      group.record(event('dup-old', 'sys', 1)),
      group.record(event('fresh', 'sys', 3)),
    ]);
    expect(a).toEqual({ stored: true, id: expect.any(String) as string });
    expect(b).toEqual({ stored: false, id: a!.id });
    expect(c).toEqual({ stored: false, id: before.id });
    expect(d!.stored).toBe(true);
    expect(await storedIds()).toEqual(['dup-new', 'dup-old', 'fresh']);
  });

  it('a batch with one bad event: the others are stored, the bad one gets the error it would have got alone', async () => {
    const bad = event('bad', 'sys', 5, '00000000-0000-4000-8000-000000000000');
    const alone = await store.sync.inbound.record(bad).then(
      () => null,
      (err: unknown) => err as Error,
    );
    // The native driver's error class comes from another realm under jest: compare messages.
    expect(alone?.message).toMatch(/\S/);
    const { counts, wrapped } = counting(store.sync);
    const group = new InboundGroupCommit(wrapped);
    const settled = await Promise.allSettled([
      group.record(event('ok1', 'sys', 1)),
      group.record(bad),
      group.record(event('ok2', 'sys', 2)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((settled[1] as PromiseRejectedResult).reason as Error).message).toBe(alone!.message);
    expect(((settled[0] as PromiseFulfilledResult<RecordedEvent>).value.stored)).toBe(true);
    expect(counts.transactions).toBe(1);
    expect(await storedIds()).toEqual(['ok1', 'ok2']);
  });

  it('a batch whose commit fails loses nothing: every event is stored once, on its own', async () => {
    const { counts, wrapped } = counting(store.sync);
    counts.failNext = 1;
    const group = new InboundGroupCommit(wrapped);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => group.record(event(`f${i}`, 'sys', i))));
    expect(counts.transactions).toBe(1);
    expect(results.every((r) => r.stored)).toBe(true);
    expect(await storedIds()).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
  });

  it('when the store refuses everything, every push of the batch is refused and nothing is answered as stored', async () => {
    const failing: Pick<SyncStore, 'transaction' | 'inbound'> = {
      transaction: () => Promise.reject(new Error('database unavailable')),
      inbound: Object.assign(Object.create(store.sync.inbound) as SyncStore['inbound'], {
        record: () => Promise.reject(new Error('database unavailable')),
      }),
    };
    const group = new InboundGroupCommit(failing);
    const settled = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => group.record(event(`u${i}`, 'sys', i))));
    expect(settled.every((s) => s.status === 'rejected' && (s.reason as Error).message === 'database unavailable')).toBe(true);
    expect(await storedIds()).toEqual([]);
  });

  it('keeps each incident\'s events in arrival order across batches', async () => {
    const { counts, wrapped } = counting(store.sync);
    const group = new InboundGroupCommit(wrapped, 4);
    const pending: Array<Promise<RecordedEvent>> = [];
    for (let i = 0; i < 24; i++) {
      pending.push(group.record(event(`o${String(i).padStart(2, '0')}`, `sys${i % 2}`, i)));
      if (i % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(pending);
    expect(counts.transactions).toBeGreaterThan(1);
    expect(Math.max(...counts.batchSizes)).toBeLessThanOrEqual(4);
    const claimed: string[] = [];
    for (;;) {
      const e = await store.sync.inbound.claim({ owner: 'w', now: new Date(T0.getTime() + 60_000), leaseMs: 60_000 });
      if (!e) break;
      claimed.push(e.eventId);
      await store.sync.inbound.finish(e.id, 'w', 'applied', new Date(T0.getTime() + 60_000));
    }
    const of = (sys: string) => claimed.filter((id) => Number(id.slice(1)) % 2 === Number(sys));
    expect(of('0')).toEqual(Array.from({ length: 12 }, (_, k) => `o${String(k * 2).padStart(2, '0')}`));
    expect(of('1')).toEqual(Array.from({ length: 12 }, (_, k) => `o${String(k * 2 + 1).padStart(2, '0')}`));
  });
});

describe('inbound group commit: a quiet batch applied in the transaction that stores it', () => {
  const at = new Date('2026-01-01T10:00:00.000Z');
  const event = (eventId: string): NewInboundEvent => ({
    connectionId: 'c',
    eventId,
    source: 'push',
    type: 'incident.updated',
    incidentSysId: 'sys',
    sequence: 1,
    orderKey: eventId,
    occurredAt: at,
    receivedAt: at,
    payload: {},
  });

  /** A writer and an apply-at-once that record what they were given; `atOnceFails` makes storeAndApply throw. */
  function parts(options: { atOnceFails?: boolean; atOnceGate?: Promise<void>; batchesInFlight?: number; writerGate?: Promise<void>; atOnceMaxEvents?: number } = {}) {
    const written: string[][] = [];
    const appliedAtOnce: string[][] = [];
    const writer = {
      record: async (e: NewInboundEvent) => {
        written.push([e.eventId]);
        return { stored: true, id: `w-${e.eventId}` };
      },
      recordAll: async (events: readonly NewInboundEvent[]) => {
        written.push(events.map((e) => e.eventId));
        await options.writerGate;
        return events.map((e) => ({ stored: true, id: `w-${e.eventId}` }));
      },
      ...(options.batchesInFlight ? { batchesInFlight: options.batchesInFlight } : {}),
    };
    const atOnce = {
      maxEvents: options.atOnceMaxEvents ?? 2,
      storeAndApply: async (events: readonly NewInboundEvent[]) => {
        await options.atOnceGate;
        if (options.atOnceFails) throw new Error('the store thread is gone');
        appliedAtOnce.push(events.map((e) => e.eventId));
        return events.map((e) => ({ stored: true, id: `a-${e.eventId}`, open: false }));
      },
    };
    return { written, appliedAtOnce, group: new InboundGroupCommit(writer, 200, atOnce) };
  }

  it('a lone push is stored and applied at once, and its answer says nothing is left for the worker', async () => {
    const { written, appliedAtOnce, group } = parts();
    expect(await group.record(event('e1'))).toEqual({ stored: true, id: 'a-e1', open: false });
    expect(appliedAtOnce).toEqual([['e1']]);
    expect(written).toEqual([]);
  });

  it('a burst larger than maxEvents goes to the writer, stored only', async () => {
    const { written, appliedAtOnce, group } = parts();
    const results = await Promise.all(['b1', 'b2', 'b3'].map((id) => group.record(event(id))));
    expect(results.map((r) => r.id)).toEqual(['w-b1', 'w-b2', 'w-b3']);
    expect(results.every((r) => r.open === undefined)).toBe(true);
    expect(written).toEqual([['b1', 'b2', 'b3']]);
    expect(appliedAtOnce).toEqual([]);
  });

  it('a push arriving while another batch is being stored goes to the writer (stored only), and is not held behind it', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { written, appliedAtOnce, group } = parts({ atOnceGate: gate, batchesInFlight: 2 });
    const first = group.record(event('q1'));
    await new Promise((resolve) => setImmediate(resolve));
    // The first batch is still being stored and applied: the second is answered by the writer meanwhile.
    expect(await group.record(event('q2'))).toEqual({ stored: true, id: 'w-q2' });
    open();
    expect(await first).toEqual({ stored: true, id: 'a-q1', open: false });
    expect(appliedAtOnce).toEqual([['q1']]);
    expect(written).toEqual([['q2']]);
    // Once nothing is in flight, a lone push is quiet again.
    expect((await group.record(event('q3'))).id).toBe('a-q3');
  });

  it(`beside a burst's batch being committed, fewer than ${MIN_PIPELINED_EVENTS} pushes wait for its commit, then go together, stored only`, async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { written, appliedAtOnce, group } = parts({ writerGate: gate, batchesInFlight: 2, atOnceMaxEvents: MIN_PIPELINED_EVENTS });
    const burst = ['b1', 'b2', 'b3', 'b4', 'b5'].map((id) => group.record(event(id)));
    await new Promise((resolve) => setImmediate(resolve));
    const few = Array.from({ length: MIN_PIPELINED_EVENTS - 1 }, (_, i) => group.record(event(`c${i}`)));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // Sent at once, each would be a commit of its own: they wait.
    expect(written).toEqual([['b1', 'b2', 'b3', 'b4', 'b5']]);
    open();
    const results = await Promise.all([...burst, ...few]);
    expect(results.every((r) => r.stored && r.open === undefined)).toBe(true);
    // They arrived during a commit: part of the burst, stored only, though few enough for the quiet path.
    expect(written).toEqual([['b1', 'b2', 'b3', 'b4', 'b5'], Array.from({ length: MIN_PIPELINED_EVENTS - 1 }, (_, i) => `c${i}`)]);
    expect(appliedAtOnce).toEqual([]);
  });

  it(`beside a burst's batch being committed, ${MIN_PIPELINED_EVENTS} waiting pushes go to the writer before it commits`, async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { written, group } = parts({ writerGate: gate, batchesInFlight: 2 });
    const burst = ['b1', 'b2', 'b3'].map((id) => group.record(event(id)));
    await new Promise((resolve) => setImmediate(resolve));
    const next = Array.from({ length: MIN_PIPELINED_EVENTS }, (_, i) => group.record(event(`d${i}`)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toEqual([['b1', 'b2', 'b3'], Array.from({ length: MIN_PIPELINED_EVENTS }, (_, i) => `d${i}`)]);
    open();
    await Promise.all([...burst, ...next]);
  });

  it('when storing and applying at once fails, the batch is stored the usual way and every push answered as stored', async () => {
    const { written, group } = parts({ atOnceFails: true });
    const results = await Promise.all(['f1', 'f2'].map((id) => group.record(event(id))));
    expect(results).toEqual([
      { stored: true, id: 'w-f1' },
      { stored: true, id: 'w-f2' },
    ]);
    expect(written).toEqual([['f1', 'f2']]);
  });
});
