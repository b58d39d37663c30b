import { parseRateLimitHeaders } from './retry-policy';
import type { Runtime } from './runtime';

/**
 * One budget of requests for a connection: ServiceNow counts every request of the service account
 * against its rate-limit rule (per window: a clock hour on the platform), whatever the request is
 * for, so the writes, the reads before them, the polls and the catch-up's reads all take their slot
 * from here before they are sent.
 *
 * What it knows comes from the answers: `X-RateLimit-Limit`, `-Reset` (the end of the window that
 * counted the request) and `-Rule` on every request a rule counted, and `-Remaining` when the
 * instance sends it (the platform does not; then the budget counts this process's own answers).
 * A request may go while, for every rule learned, the answers counted in its current window plus
 * the requests on their way stay under the limit. A rule's window that has ended counts only the
 * requests on their way until an answer names the next one. After a 429 nothing goes until the
 * time it asked for (`Retry-After`, else `X-RateLimit-Reset`), and the refused request, queued
 * `first`, is the first to go then.
 *
 * Waiting is bounded by the caller: `take` answers `late` when no slot comes within `maxWaitMs`
 * (the next window is an hour away), and the caller decides (send anyway and let the 429 pause the
 * connection, or give up). Not shared between processes: each replica learns and counts on its own.
 */

export interface BudgetAnswer {
  status: number;
  /** Lower-case names. */
  headers: Readonly<Record<string, string | undefined>>;
}

/** What take() gave: a slot, or none within the wait allowed (the request has a slot all the same, to give back). */
export type BudgetTake = 'granted' | 'late';

interface RuleWindow {
  limit: number;
  /** The end of the window the last answer named (epoch ms); 0 when unknown. */
  resetMs: number;
  /** Requests counted in that window: this process's answers, or the instance's count when it sends X-RateLimit-Remaining. */
  used: number;
}

interface Waiter {
  first: boolean;
}

export class RequestBudget {
  private readonly rules = new Map<string, RuleWindow>();
  private inFlight = 0;
  private blockedUntil = 0;
  private readonly queue: Waiter[] = [];
  private changed = signalled();

  constructor(
    private readonly runtime: Pick<Runtime, 'now' | 'sleep'>,
    /** Told how long each request that had to wait waited (for metrics). */
    private readonly onWaited?: (ms: number) => void,
  ) {}

  /**
   * Takes a slot for one request, waiting in line (a refused request's retry, `first`, goes before
   * the rest) until one is free, at most `maxWaitMs`. Every take must be followed by one settle().
   */
  async take(options: { maxWaitMs: number; first?: boolean; signal?: AbortSignal }): Promise<BudgetTake> {
    const waiter: Waiter = { first: options.first === true };
    const start = this.runtime.now();
    this.enqueue(waiter);
    try {
      for (;;) {
        const now = this.runtime.now();
        if (this.queue[0] === waiter && this.free(now) > 0) return this.grant(waiter, 'granted', now - start);
        const nextAt = this.queue[0] === waiter ? this.nextFreeAt(now) : undefined;
        // Nothing on its way to free a slot, and no time that would: waiting cannot help.
        const hopeless = this.queue[0] === waiter && nextAt === undefined && this.inFlight === 0;
        const deadline = start + options.maxWaitMs;
        if (hopeless || now >= deadline || (nextAt !== undefined && nextAt > deadline)) return this.grant(waiter, 'late', now - start);
        await this.waitForChange(Math.min(nextAt ?? deadline, deadline) - now, options.signal);
      }
    } catch (err) {
      this.remove(waiter);
      throw err;
    }
  }

  /** Gives the slot back, with the answer when there was one (what it says about the rule is learned). */
  settle(answer?: BudgetAnswer): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (answer) this.learn(answer);
    this.notify();
  }

  /** After a 429: nothing goes before `untilMs` (then the refused request, queued first, goes first). */
  refusedUntil(untilMs: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, untilMs);
    this.notify();
  }

  /** What the budget knows, for logs and tests. */
  snapshot(): { inFlight: number; waiting: number; blockedUntil: number | null; rules: Array<{ rule: string } & RuleWindow> } {
    return {
      inFlight: this.inFlight,
      waiting: this.queue.length,
      blockedUntil: this.blockedUntil > this.runtime.now() ? this.blockedUntil : null,
      rules: [...this.rules].map(([rule, w]) => ({ rule, ...w })),
    };
  }

  private learn(answer: BudgetAnswer): void {
    const info = parseRateLimitHeaders(answer.headers);
    const now = this.runtime.now();
    if (info.limit === undefined) {
      // No rule counted this request. A rule whose window has ended is forgotten (it may have been
      // deleted); one still in its window stays, as it may cover other APIs than this request's.
      for (const [rule, window] of this.rules) if (window.resetMs <= now) this.rules.delete(rule);
      return;
    }
    const key = info.rule ?? '';
    const resetMs = info.resetEpochSeconds !== undefined ? info.resetEpochSeconds * 1000 : 0;
    const known = this.rules.get(key);
    let window: RuleWindow;
    if (!known || resetMs > known.resetMs) window = { limit: info.limit, resetMs, used: 1 };
    else if (resetMs === known.resetMs) window = { limit: info.limit, resetMs, used: known.used + 1 };
    // An answer of a window that has ended already: it was counted there, not in the current one.
    else return;
    const remaining = numberHeader(answer.headers['x-ratelimit-remaining']);
    if (remaining !== undefined) window.used = Math.max(window.used, info.limit - remaining);
    if (answer.status === 429) window.used = Math.max(window.used, info.limit);
    this.rules.set(key, window);
  }

  /** Slots free now: the smallest over the rules learned. */
  private free(now: number): number {
    if (this.blockedUntil > now) return 0;
    let free = Number.POSITIVE_INFINITY;
    for (const window of this.rules.values()) {
      const counted = window.resetMs > now ? window.used : 0;
      free = Math.min(free, window.limit - counted - this.inFlight);
    }
    return free;
  }

  /** When a slot frees by time alone (a block or a window ending), if one does; else undefined (only an answer can). */
  private nextFreeAt(now: number): number | undefined {
    if (this.blockedUntil > now) return this.blockedUntil;
    let at: number | undefined;
    for (const window of this.rules.values()) {
      if (window.resetMs > now && window.limit - window.used - this.inFlight <= 0 && window.limit - this.inFlight > 0) {
        at = Math.max(at ?? 0, window.resetMs);
      }
    }
    return at;
  }

  private enqueue(waiter: Waiter): void {
    const at = waiter.first ? this.queue.findIndex((w) => !w.first) : -1;
    if (at === -1) this.queue.push(waiter);
    else this.queue.splice(at, 0, waiter);
  }

  private remove(waiter: Waiter): void {
    const at = this.queue.indexOf(waiter);
    if (at !== -1) this.queue.splice(at, 1);
    this.notify();
  }

  private grant(waiter: Waiter, result: BudgetTake, waitedMs: number): BudgetTake {
    this.remove(waiter);
    this.inFlight += 1;
    if (waitedMs > 0) this.onWaited?.(waitedMs);
    return result;
  }

  private notify(): void {
    const was = this.changed;
    this.changed = signalled();
    was.fire();
  }

  /** Sleeps `ms` (the next time a slot may free), or less when the budget changes first. */
  private async waitForChange(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // The sleep is cut short when the budget changes first; its rejection then means nothing.
      const sleeping = this.runtime.sleep(Math.max(0, ms), stop.signal).catch(() => undefined);
      await Promise.race([sleeping, this.changed.promise]);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stop.abort();
    }
    if (signal?.aborted) throw signal.reason;
  }
}

function signalled(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

function numberHeader(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}
