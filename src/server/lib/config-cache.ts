/**
 * A value cached per configuration version: business rules run on every incident change, and
 * reading eight properties each time is eight lookups inside the user's transaction. One read of
 * the version property says whether the cached copy is still good; it also expires after
 * `maxAgeMs`, so a property edited by hand (without the version bump the app's own writes make)
 * takes effect within that time.
 */
export interface ConfigCache<T> {
  get(): T;
  /** Drops the cached copy (this script context only; other nodes see the version change). */
  clear(): void;
}

export function configCache<T>(readVersion: () => string, readFresh: () => T, nowMs: () => number, maxAgeMs: number): ConfigCache<T> {
  let cached: { version: string; readAtMs: number; value: T } | null = null;
  return {
    get() {
      const version = readVersion();
      const now = nowMs();
      if (cached && version !== '' && cached.version === version && now - cached.readAtMs < maxAgeMs && now >= cached.readAtMs) return cached.value;
      cached = { version, readAtMs: now, value: readFresh() };
      return cached.value;
    },
    clear() {
      cached = null;
    },
  };
}
