import fc from 'fast-check';
import { backoffDelayMs, isExhausted, MAX_RETRY_DELAY_SECONDS, outboxRetryDelaySeconds, parseRetryAfterSeconds } from '../../../src/server/lib/backoff';

describe('retryDelaySeconds', () => {
  it('doubles per attempt between half and all of the exponential ceiling', () => {
    expect(outboxRetryDelaySeconds(1, 30, () => 0)).toBe(15);
    expect(outboxRetryDelaySeconds(1, 30, () => 0.999999)).toBe(30);
    expect(outboxRetryDelaySeconds(2, 30, () => 0)).toBe(30);
    expect(outboxRetryDelaySeconds(3, 30, () => 0.5)).toBe(90);
    expect(outboxRetryDelaySeconds(4, 30, () => 0)).toBe(120);
  });

  it('never exceeds the cap however many attempts', () => {
    expect(outboxRetryDelaySeconds(40, 30, () => 0.999)).toBeLessThanOrEqual(MAX_RETRY_DELAY_SECONDS);
    expect(outboxRetryDelaySeconds(1000, 30, () => 0)).toBe(MAX_RETRY_DELAY_SECONDS / 2);
  });

  it('is always within [ceiling/2, ceiling] and grows monotonically at fixed jitter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 600 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (attempt, base, r) => {
        const ceiling = Math.min(base * 2 ** (attempt - 1), MAX_RETRY_DELAY_SECONDS);
        const delay = outboxRetryDelaySeconds(attempt, base, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(Math.ceil(ceiling));
        expect(outboxRetryDelaySeconds(attempt + 1, base, () => r)).toBeGreaterThanOrEqual(delay);
      }),
    );
  });

  it('spreads retries of events that failed together (jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, (_, i) => outboxRetryDelaySeconds(5, 30, () => i / 50)));
    expect(delays.size).toBeGreaterThan(40);
  });
});

describe('backoffDelayMs (the one schedule: the app, the client, the sync queues)', () => {
  it('waits between half and all of the step, the step doubling per retry up to the cap (equal jitter)', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(policy, n, () => 0.9999))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(200);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(300);
  });
});

describe('parseRetryAfterSeconds', () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 0);
  it('reads delta seconds and HTTP dates, as sent', () => {
    expect(parseRetryAfterSeconds('120', now)).toBe(120);
    expect(parseRetryAfterSeconds(' 0 ', now)).toBe(0);
    expect(parseRetryAfterSeconds('Thu, 01 Jan 2026 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfterSeconds('999999', now)).toBe(999999);
    expect(parseRetryAfterSeconds('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
  });
  it('ignores what is absent or unreadable', () => {
    expect(parseRetryAfterSeconds(null, now)).toBeUndefined();
    expect(parseRetryAfterSeconds(undefined, now)).toBeUndefined();
    expect(parseRetryAfterSeconds('soon', now)).toBeUndefined();
    expect(parseRetryAfterSeconds('-5', now)).toBeUndefined();
    expect(parseRetryAfterSeconds('1.5', now)).toBeUndefined();
  });
  it('is waited for by the app when longer than its backoff, up to its cap', () => {
    expect(outboxRetryDelaySeconds(1, 30, () => 0, 120)).toBe(120);
    expect(outboxRetryDelaySeconds(1, 30, () => 0, 5)).toBe(15);
    expect(outboxRetryDelaySeconds(1, 30, () => 0, 999999)).toBe(MAX_RETRY_DELAY_SECONDS);
  });
});

describe('isExhausted', () => {
  it('stops after the configured number of attempts', () => {
    expect(isExhausted(11, 12)).toBe(false);
    expect(isExhausted(12, 12)).toBe(true);
    expect(isExhausted(1, 0)).toBe(true);
  });
});
