import type { Runtime } from '../../src/companion/client/runtime';

/**
 * A clock that moves only when the test moves it: a sleeper wakes when its time is reached, so the
 * order in which waiting calls go is observed, not timed (fake-runtime.ts instead moves the clock by
 * every sleep, which suits one call at a time).
 */
export interface ManualClock {
  runtime: Runtime;
  now(): number;
  /** Sleepers not woken yet. */
  sleeping(): number;
  /** Moves time on, wakes every sleeper whose time came, then lets their continuations run. */
  advance(ms: number): Promise<void>;
}

/** Lets pending promise continuations run (several hops deep). */
export async function settleMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

export function manualClock(startMs = Date.UTC(2026, 0, 1, 10, 0, 0)): ManualClock {
  let now = startMs;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  return {
    now: () => now,
    sleeping: () => sleepers.length,
    runtime: {
      now: () => now,
      random: () => 0.5,
      sleep: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
          if (signal?.aborted) return reject(signal.reason);
          const sleeper = { at: now + ms, wake: resolve };
          sleepers.push(sleeper);
          signal?.addEventListener(
            'abort',
            () => {
              const at = sleepers.indexOf(sleeper);
              if (at !== -1) sleepers.splice(at, 1);
              reject(signal.reason);
            },
            { once: true },
          );
        }),
    },
    async advance(ms) {
      now += ms;
      for (const s of sleepers.filter((x) => x.at <= now)) {
        sleepers.splice(sleepers.indexOf(s), 1);
        s.wake();
      }
      await settleMicrotasks();
    },
  };
}
