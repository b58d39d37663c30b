import type { Runtime } from '../../src/companion/client/runtime';

/**
 * A clock that only moves when told to or when the code under test sleeps, so backoff and
 * rate-limit waits are recorded instead of waited, and token expiry is reached instantly.
 */
export interface FakeRuntime {
  runtime: Runtime;
  /** Every delay the code asked to sleep, in order. */
  sleeps: number[];
  advance(ms: number): void;
  now(): number;
}

export function fakeRuntime(options: { startMs?: number; random?: number } = {}): FakeRuntime {
  let now = options.startMs ?? Date.UTC(2025, 0, 15, 12, 0, 0);
  const sleeps: number[] = [];
  const random = options.random ?? 0.5;
  return {
    sleeps,
    advance: (ms) => {
      now += ms;
    },
    now: () => now,
    runtime: {
      now: () => now,
      sleep: async (ms, signal) => {
        if (signal?.aborted) throw signal.reason;
        sleeps.push(ms);
        now += ms;
      },
      random: () => random,
    },
  };
}
