import fc from 'fast-check';
import { isExhausted, MAX_RETRY_DELAY_SECONDS, retryAfterSeconds, retryDelaySeconds } from '../../../src/server/lib/backoff';

describe('retryDelaySeconds', () => {
  it('doubles per attempt between half and all of the exponential ceiling', () => {
    expect(retryDelaySeconds(1, 30, () => 0)).toBe(15);
    expect(retryDelaySeconds(1, 30, () => 0.999999)).toBe(30);
    expect(retryDelaySeconds(2, 30, () => 0)).toBe(30);
    expect(retryDelaySeconds(3, 30, () => 0.5)).toBe(90);
    expect(retryDelaySeconds(4, 30, () => 0)).toBe(120);
  });

  it('never exceeds the cap however many attempts', () => {
    expect(retryDelaySeconds(40, 30, () => 0.999)).toBeLessThanOrEqual(MAX_RETRY_DELAY_SECONDS);
    expect(retryDelaySeconds(1000, 30, () => 0)).toBe(MAX_RETRY_DELAY_SECONDS / 2);
  });

  it('is always within [ceiling/2, ceiling] and grows monotonically at fixed jitter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 600 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (attempt, base, r) => {
        const ceiling = Math.min(base * 2 ** (attempt - 1), MAX_RETRY_DELAY_SECONDS);
        const delay = retryDelaySeconds(attempt, base, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(Math.ceil(ceiling));
        expect(retryDelaySeconds(attempt + 1, base, () => r)).toBeGreaterThanOrEqual(delay);
      }),
    );
  });

  it('spreads retries of events that failed together (jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, (_, i) => retryDelaySeconds(5, 30, () => i / 50)));
    expect(delays.size).toBeGreaterThan(40);
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 0);
  it('reads delta seconds and HTTP dates, capped', () => {
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:01:30 GMT', now)).toBe(90);
    expect(retryAfterSeconds('999999', now)).toBe(MAX_RETRY_DELAY_SECONDS);
    expect(retryAfterSeconds('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
  });
  it('ignores what is absent or unreadable', () => {
    expect(retryAfterSeconds(null, now)).toBeNull();
    expect(retryAfterSeconds('soon', now)).toBeNull();
    expect(retryAfterSeconds('-5', now)).toBeNull();
  });
});

describe('isExhausted', () => {
  it('stops after the configured number of attempts', () => {
    expect(isExhausted(11, 12)).toBe(false);
    expect(isExhausted(12, 12)).toBe(true);
    expect(isExhausted(1, 0)).toBe(true);
  });
});
