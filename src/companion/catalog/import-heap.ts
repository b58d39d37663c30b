import v8 from 'node:v8';

/**
 * The V8 setting for a process whose only work is `import-catalog`. Without it a 100,000-CI import
 * peaks at 200 to 215 MB of RSS although its live heap stays at 20 to 40 MB: each page's records
 * (about 2 MB of small objects) live from their answer until their commit, across the next page's
 * fetch, so they outlive a scavenge and are promoted; V8 then lets old space grow to about four
 * times the live heap before it collects (cheap GCs make it generous), and the young generation
 * grows to 2 × 16 MB. Page bodies are not the cause: large-object space peaks at about 1 MB.
 *
 * `--optimize-for-size` makes V8 grow old space conservatively and collect sooner. It changes when
 * V8 collects, never what a program may allocate: unlike an old-space cap, it cannot end the
 * process with an out-of-memory error. V8 reads it whenever it sizes old space, so setting it once
 * the process runs works for that part (old space peaked at 46 MB instead of 87 MB at 30,000 CIs);
 * the young generation's size is fixed at start-up (given on node's command line, the flag also
 * keeps it at 2 MB, and a 100,000-CI import then peaks at 119 MB). Set only in the import-catalog
 * command's own process (`serve`, and `start`'s import in the companion's process, keep V8's
 * defaults), before the import allocates anything worth collecting.
 */
export const IMPORT_CATALOG_V8_FLAGS = ['--optimize-for-size'] as const;

/** Applies IMPORT_CATALOG_V8_FLAGS to this process. */
export function tuneHeapForImport(): void {
  for (const flag of IMPORT_CATALOG_V8_FLAGS) v8.setFlagsFromString(flag);
}
