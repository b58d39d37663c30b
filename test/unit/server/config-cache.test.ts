import { configCache } from '../../../src/server/lib/config-cache';

describe('configCache', () => {
  function setup(maxAgeMs = 60_000) {
    const state = { version: 'v1', now: 1_000, reads: 0 };
    const cache = configCache(
      () => state.version,
      () => ({ read: ++state.reads }),
      () => state.now,
      maxAgeMs,
    );
    return { state, cache };
  }

  it('reads once per version', () => {
    const { state, cache } = setup();
    expect(cache.get()).toEqual({ read: 1 });
    expect(cache.get()).toEqual({ read: 1 });
    state.version = 'v2';
    expect(cache.get()).toEqual({ read: 2 });
    expect(cache.get()).toEqual({ read: 2 });
  });

  it('re-reads after the maximum age (a property edited by hand, without a version bump)', () => {
    const { state, cache } = setup(1_000);
    cache.get();
    state.now += 999;
    expect(cache.get()).toEqual({ read: 1 });
    state.now += 1;
    expect(cache.get()).toEqual({ read: 2 });
  });

  it('never caches without a version, or when the clock went back', () => {
    const { state, cache } = setup();
    state.version = '';
    cache.get();
    expect(cache.get()).toEqual({ read: 2 });
    state.version = 'v1';
    cache.get();
    state.now -= 1;
    expect(cache.get()).toEqual({ read: 4 });
  });

  it('clear() drops the cached copy', () => {
    const { cache } = setup();
    cache.get();
    cache.clear();
    expect(cache.get()).toEqual({ read: 2 });
  });
});
