import { z } from 'zod';
import type { InstanceEngine } from '../records/engine';

/**
 * Fault injection settings, stored in SQLite (so every thread sees them) and changed only by admin
 * through `GET|PUT|DELETE /api/now/local/faults`. `table` applies to the Table API here;
 * `outbound` is read by the script runtime's outbound HTTP (RESTMessageV2).
 */
export const faultSettingsSchema = z.object({
  table: z
    .object({
      /** Added to every Table API request, in ms. */
      latencyMs: z.number().int().min(0).max(120_000).default(0),
      /** Share of Table API requests answered with `errorStatus` (0 … 1). */
      errorRate: z.number().min(0).max(1).default(0),
      errorStatus: z.number().int().min(400).max(599).default(500),
      /** The next N Table API requests fail with `errorStatus` (deterministic, for tests). */
      failNext: z.number().int().min(0).default(0),
      /** Only these tables (empty: all). */
      tables: z.array(z.string()).default([]),
    })
    .default({ latencyMs: 0, errorRate: 0, errorStatus: 500, failNext: 0, tables: [] }),
  outbound: z
    .object({
      /** Share of outbound HTTP calls that fail (connection refused). */
      failRate: z.number().min(0).max(1).default(0),
      /** Share of outbound HTTP calls that time out. */
      timeoutRate: z.number().min(0).max(1).default(0),
    })
    .default({ failRate: 0, timeoutRate: 0 }),
});

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

const KEY = 'fault_settings';
const FAIL_NEXT_KEY = 'fault_fail_next';

export function defaultFaultSettings(): FaultSettings {
  return faultSettingsSchema.parse({});
}

function storedFaultSettings(engine: InstanceEngine): FaultSettings {
  return engine.cachedByMetadata('fault-settings', () => {
    const raw = engine.meta.get(KEY);
    if (!raw) return defaultFaultSettings();
    const parsed = faultSettingsSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : defaultFaultSettings();
  });
}

/** The current settings (cached per metadata version; `failNext` read live). */
export function readFaultSettings(engine: InstanceEngine): FaultSettings {
  const settings = storedFaultSettings(engine);
  return { ...settings, table: { ...settings.table, failNext: Number(engine.meta.get(FAIL_NEXT_KEY) ?? '0') } };
}

/**
 * The Table API's settings on every request: `failNext` is read live only when the cached settings
 * have one. The countdown is set only with the settings (and a metadata version bump) and only
 * counts down from there, so with none in the cached settings the live value is 0 too.
 */
export function readTableFaults(engine: InstanceEngine): FaultSettings['table'] {
  const table = storedFaultSettings(engine).table;
  return table.failNext > 0 ? { ...table, failNext: Number(engine.meta.get(FAIL_NEXT_KEY) ?? '0') } : table;
}

/** The outbound settings alone (RESTMessageV2, on every call): without the Table API's live `failNext` read. */
export function readOutboundFaults(engine: InstanceEngine): FaultSettings['outbound'] {
  return storedFaultSettings(engine).outbound;
}

/** Merges a partial update into the settings and makes every thread see it. */
export function writeFaultSettings(engine: InstanceEngine, update: unknown): FaultSettings {
  const current = readFaultSettings(engine);
  const patch = (update ?? {}) as { table?: object; outbound?: object };
  const next = faultSettingsSchema.parse({
    table: { ...current.table, ...(patch.table ?? {}) },
    outbound: { ...current.outbound, ...(patch.outbound ?? {}) },
  });
  engine.transaction(() => {
    engine.meta.set(KEY, JSON.stringify(next));
    engine.meta.set(FAIL_NEXT_KEY, String(next.table.failNext));
    engine.bumpMetadataVersion();
  });
  return next;
}

export function resetFaultSettings(engine: InstanceEngine): FaultSettings {
  return writeFaultSettings(engine, defaultFaultSettings());
}

/** Consumes one of the "fail next N" requests; true when this request must fail. */
export function takeFailNext(engine: InstanceEngine): boolean {
  return engine.meta.takeCountdown(FAIL_NEXT_KEY);
}
