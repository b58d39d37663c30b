import type { InboundWriter, NewInboundEvent } from '../../../../src/companion/store/sync-store';
import { WriteTurns } from '../../../../src/companion/store/write-turns';
import { InboundGroupCommit, MIN_PIPELINED_EVENTS } from '../../../../src/companion/sync/inbound-group-commit';

/**
 * The order of the companion server's two SQLite writers (WriteTurns): groups of pushes go before a
 * waiting transaction, at most N of them, several at once; a transaction holds the turn alone. And
 * the group commit hands a writer that runs batches one after another its next batch while the
 * previous one commits, answering each push only after its own batch.
 */

/** Lets the hand-over (one turn of the event loop after a release) happen. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('WriteTurns', () => {
  it('a transaction holds the turn alone: pushes wait for its end', async () => {
    const turns = new WriteTurns(4);
    const order: string[] = [];
    const endTx = await turns.take('transaction');
    const pushes = turns.take('pushes').then((end) => {
      order.push('pushes');
      return end;
    });
    await nextTurn();
    expect(order).toEqual([]);
    order.push('transaction ended');
    endTx();
    (await pushes)();
    expect(order).toEqual(['transaction ended', 'pushes']);
  });

  it('groups of pushes go before a waiting transaction, at most N in a row, then the transaction', async () => {
    const turns = new WriteTurns(2);
    const order: string[] = [];
    const endFirst = await turns.take('pushes');
    const tx = turns.take('transaction').then((end) => {
      order.push('transaction');
      return end;
    });
    // A second group joins the pushes' turn (its thread runs the groups one after another).
    const endSecond = await turns.take('pushes');
    order.push('pushes 2');
    // The third would be one too many while the transaction waits.
    const third = turns.take('pushes').then((end) => {
      order.push('pushes 3');
      return end;
    });
    endFirst();
    endSecond();
    (await tx)();
    (await third)();
    expect(order).toEqual(['pushes 2', 'transaction', 'pushes 3']);
  });

  it('the next group of pushes, asked for right after the last one ended, goes before the transaction that was waiting', async () => {
    const turns = new WriteTurns(4);
    const order: string[] = [];
    const endFirst = await turns.take('pushes');
    const tx = turns.take('transaction').then((end) => {
      order.push('transaction');
      return end;
    });
    endFirst();
    // Asked a few promise steps later, as the group commit does for its next batch.
    await Promise.resolve();
    const endNext = await turns.take('pushes');
    order.push('next pushes');
    endNext();
    (await tx)();
    expect(order).toEqual(['next pushes', 'transaction']);
  });

  it('with nobody waiting, a turn is free again after its end', async () => {
    const turns = new WriteTurns(1);
    (await turns.take('pushes'))();
    await nextTurn();
    const end = await turns.take('transaction');
    end();
    end(); // a second call changes nothing
    await nextTurn();
    (await turns.take('transaction'))();
  });
});

describe('InboundGroupCommit with a writer that takes two batches at once', () => {
  function event(n: number): NewInboundEvent {
    const at = new Date(Date.UTC(2026, 0, 1, 10, 0, 0, n));
    return { connectionId: 'c1', eventId: `e${n}`, source: 'push', type: 'incident.updated', incidentSysId: 's1', sequence: n, orderKey: String(n).padStart(10, '0'), occurredAt: at, receivedAt: at, payload: {} };
  }

  it('hands over the next batch while the previous one commits, never more than two, and answers each push after its own batch', async () => {
    const handed: Array<{ events: readonly NewInboundEvent[]; commit: () => void }> = [];
    const writer: InboundWriter = {
      batchesInFlight: 2,
      record: (e) => writer.recordAll([e]).then((r) => r[0]!),
      recordAll: (events) =>
        new Promise((resolve) => {
          handed.push({ events, commit: () => resolve(events.map((e) => ({ stored: true, id: `id-${e.eventId}` }))) });
        }),
    };
    const group = new InboundGroupCommit(writer);
    const answered: string[] = [];
    const push = (n: number) => group.record(event(n)).then((r) => answered.push(r.id));

    // A batch goes beside another one only with MIN_PIPELINED_EVENTS pushes (4).
    const ids = (from: number) => Array.from({ length: MIN_PIPELINED_EVENTS }, (_, i) => from + i);
    const first = [push(1), push(2)];
    await nextTurn();
    const second = ids(3).map(push);
    await nextTurn();
    const third = ids(3 + MIN_PIPELINED_EVENTS).map(push);
    await nextTurn();
    const names = (from: number) => ids(from).map((n) => `e${n}`);
    // Two batches handed over, the third waits for a free place.
    expect(handed.map((b) => b.events.map((e) => e.eventId))).toEqual([['e1', 'e2'], names(3)]);
    expect(answered).toEqual([]);

    handed[0]!.commit();
    await Promise.all(first);
    expect(answered).toEqual(['id-e1', 'id-e2']);
    await nextTurn();
    expect(handed.map((b) => b.events.map((e) => e.eventId))).toEqual([['e1', 'e2'], names(3), names(3 + MIN_PIPELINED_EVENTS)]);

    handed[2]!.commit();
    await Promise.all(third);
    handed[1]!.commit();
    await Promise.all(second);
    expect(answered).toEqual(['id-e1', 'id-e2', ...names(3 + MIN_PIPELINED_EVENTS).map((n) => `id-${n}`), ...names(3).map((n) => `id-${n}`)]);
  });
});
