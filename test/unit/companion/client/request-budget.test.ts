import { RequestBudget, type BudgetTake } from '../../../../src/companion/client/request-budget';
import { manualClock, settleMicrotasks as flush, type ManualClock } from '../../../helpers/manual-clock';

/**
 * The connection's one budget, on a clock that moves only when the test moves it: sleepers wake when
 * their time is reached, so the order in which requests get their slots is observed, not timed.
 */

/** An answer a rule counted: the headers a ServiceNow instance sends. */
function counted(clock: ManualClock, input: { limit: number; resetInMs: number; status?: number; remaining?: number; rule?: string }) {
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(input.limit),
    'x-ratelimit-reset': String(Math.floor((clock.now() + input.resetInMs) / 1000)),
    'x-ratelimit-rule': input.rule ?? 'rule-1',
  };
  if (input.remaining !== undefined) headers['x-ratelimit-remaining'] = String(input.remaining);
  return { status: input.status ?? 200, headers };
}

/** Starts a take and records when it resolves, in order. */
function taking(budget: RequestBudget, order: string[], name: string, options: { maxWaitMs?: number; first?: boolean; signal?: AbortSignal } = {}): Promise<BudgetTake> {
  return budget.take({ maxWaitMs: options.maxWaitMs ?? 10_000, ...(options.first ? { first: true } : {}), ...(options.signal ? { signal: options.signal } : {}) }).then((took) => {
    order.push(`${name}:${took}`);
    return took;
  });
}

describe('RequestBudget', () => {
  it('lets requests go freely until an answer names a rule, then paces them at its limit per window', async () => {
    const clock = manualClock();
    const budget = new RequestBudget(clock.runtime);
    // Nothing learned: no limit.
    for (let i = 0; i < 5; i++) expect(await budget.take({ maxWaitMs: 0 })).toBe('granted');
    for (let i = 0; i < 5; i++) budget.settle({ status: 200, headers: {} });

    // A 3-per-window rule, 2 s left in its window: two answers counted, one slot left.
    await budget.take({ maxWaitMs: 0 });
    budget.settle(counted(clock, { limit: 3, resetInMs: 2_000 }));
    await budget.take({ maxWaitMs: 0 });
    budget.settle(counted(clock, { limit: 3, resetInMs: 2_000 }));
    const order: string[] = [];
    const third = taking(budget, order, 'third');
    const fourth = taking(budget, order, 'fourth');
    await flush();
    expect(order).toEqual(['third:granted']);
    budget.settle(counted(clock, { limit: 3, resetInMs: 2_000 }));
    await flush();
    // The window is used up: the fourth waits for its end, not for an answer.
    expect(order).toEqual(['third:granted']);
    await clock.advance(1_000);
    expect(order).toEqual(['third:granted']);
    await clock.advance(1_000);
    expect(order).toEqual(['third:granted', 'fourth:granted']);
    await Promise.all([third, fourth]);
  });

  it('counts the requests on their way against the window, as the instance will', async () => {
    const clock = manualClock();
    const budget = new RequestBudget(clock.runtime);
    await budget.take({ maxWaitMs: 0 });
    budget.settle(counted(clock, { limit: 3, resetInMs: 5_000 }));
    await budget.take({ maxWaitMs: 0 });
    await budget.take({ maxWaitMs: 0 });
    const order: string[] = [];
    const next = taking(budget, order, 'next');
    await flush();
    expect(order).toEqual([]);
    expect(budget.snapshot()).toMatchObject({ inFlight: 2, waiting: 1 });
    // One on its way got no answer (it may not have counted): its slot is free again, before the window ends.
    budget.settle();
    await flush();
    expect(order).toEqual(['next:granted']);
    await next;
  });

  it('after a 429 holds everything until the pause ends, then sends the refused request first', async () => {
    const clock = manualClock();
    const budget = new RequestBudget(clock.runtime);
    const order: string[] = [];
    await budget.take({ maxWaitMs: 0 });
    budget.settle(counted(clock, { limit: 10, resetInMs: 1_500, status: 429 }));
    budget.refusedUntil(clock.now() + 1_500);
    // Queued while paused: a poll's read, a write, then the refused request's retry.
    const read = taking(budget, order, 'read');
    const write = taking(budget, order, 'write');
    const retry = taking(budget, order, 'refused', { first: true });
    await clock.advance(1_000);
    expect(order).toEqual([]);
    await clock.advance(500);
    expect(order).toEqual(['refused:granted', 'read:granted', 'write:granted']);
    await Promise.all([read, write, retry]);
  });

  it('answers late at once when the next slot is further away than the wait allowed (an hourly window)', async () => {
    const clock = manualClock();
    const budget = new RequestBudget(clock.runtime);
    await budget.take({ maxWaitMs: 0 });
    budget.settle(counted(clock, { limit: 1, resetInMs: 3_000_000 }));
    await expect(budget.take({ maxWaitMs: 10_000 })).resolves.toBe('late');
    // A late take holds a slot all the same until it is settled.
    expect(budget.snapshot().inFlight).toBe(1);
    budget.settle();
    // A rule that lets nothing through (limit 0): no time frees a slot, so waiting cannot help.
    const zero = new RequestBudget(clock.runtime);
    await zero.take({ maxWaitMs: 0 });
    zero.settle(counted(clock, { limit: 0, resetInMs: 2_000, status: 429 }));
    await expect(zero.take({ maxWaitMs: 10_000 })).resolves.toBe('late');
  });

  it("uses the instance's X-RateLimit-Remaining when it is sent (other clients' requests count too)", async () => {
    const clock = manualClock();
    const budget = new RequestBudget(clock.runtime);
    await budget.take({ maxWaitMs: 0 });
    budget.settle(counted(clock, { limit: 10, resetInMs: 2_000, remaining: 0 }));
    const order: string[] = [];
    const next = taking(budget, order, 'next');
    await flush();
    expect(order).toEqual([]);
    await clock.advance(2_000);
    expect(order).toEqual(['next:granted']);
    await next;
  });

  it('does not count an answer from a window that has ended in the current one, and forgets an ended rule no answer names', async () => {
    const clock = manualClock();
    const budget = new RequestBudget(clock.runtime);
    for (let i = 0; i < 3; i++) await budget.take({ maxWaitMs: 0 });
    budget.settle(counted(clock, { limit: 2, resetInMs: 1_000 }));
    await clock.advance(1_000);
    budget.settle(counted(clock, { limit: 2, resetInMs: 2_000 }));
    // The late answer of the ended window.
    budget.settle(counted(clock, { limit: 2, resetInMs: 0 }));
    expect(budget.snapshot().rules).toEqual([expect.objectContaining({ limit: 2, used: 1 })]);
    await clock.advance(2_000);
    await budget.take({ maxWaitMs: 0 });
    budget.settle({ status: 200, headers: {} });
    expect(budget.snapshot().rules).toEqual([]);
  });

  it('stops waiting when the signal fires, and leaves the line', async () => {
    const clock = manualClock();
    const budget = new RequestBudget(clock.runtime);
    await budget.take({ maxWaitMs: 0 });
    budget.settle(counted(clock, { limit: 1, resetInMs: 5_000 }));
    const controller = new AbortController();
    const waiting = budget.take({ maxWaitMs: 10_000, signal: controller.signal });
    await flush();
    expect(budget.snapshot().waiting).toBe(1);
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    expect(budget.snapshot()).toMatchObject({ waiting: 0, inFlight: 0 });
  });
});
