import {
  DEFAULT_RETRY_POLICY,
  clientBackoffDelayMs,
  isRetrySafe,
  parseRateLimitHeaders,
  rateLimitDelayMs,
} from '../../../../src/companion/client/retry-policy';

describe('retry policy', () => {
  it('treats GET, PUT and DELETE as safe to repeat; PATCH and POST only when marked', () => {
    expect(isRetrySafe('GET')).toBe(true);
    expect(isRetrySafe('PUT')).toBe(true);
    expect(isRetrySafe('DELETE')).toBe(true);
    expect(isRetrySafe('PATCH')).toBe(false);
    expect(isRetrySafe('POST')).toBe(false);
    expect(isRetrySafe('PATCH', true)).toBe(true);
    expect(isRetrySafe('POST', true)).toBe(true);
    expect(isRetrySafe('GET', false)).toBe(false);
  });

  it('backs off exponentially up to the cap, with the shared equal jitter', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    const nearlyOne = () => 0.9999;
    expect([1, 2, 3, 4, 5, 6].map((n) => clientBackoffDelayMs(policy, n, nearlyOne))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(clientBackoffDelayMs(policy, 3, () => 0)).toBe(200);
    expect(clientBackoffDelayMs(policy, 3, () => 0.5)).toBe(300);
  });

  it('reads the X-RateLimit-* headers', () => {
    expect(
      parseRateLimitHeaders({ 'x-ratelimit-limit': '5000', 'x-ratelimit-reset': '1736942400', 'x-ratelimit-rule': 'abc123' }),
    ).toEqual({ limit: 5000, resetEpochSeconds: 1736942400, rule: 'abc123' });
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': 'lots' })).toEqual({});
  });

  it('waits for Retry-After first, then X-RateLimit-Reset, else leaves it to backoff', () => {
    const now = 1_736_942_400_000;
    expect(rateLimitDelayMs(7, { resetEpochSeconds: now / 1000 + 60 }, now)).toBe(7000);
    expect(rateLimitDelayMs(undefined, { resetEpochSeconds: now / 1000 + 60 }, now)).toBe(60_000);
    expect(rateLimitDelayMs(undefined, { resetEpochSeconds: now / 1000 - 60 }, now)).toBe(0);
    expect(rateLimitDelayMs(undefined, {}, now)).toBeUndefined();
  });
});
