import { InstanceEngine } from '../../src/instance/records/engine';
import { attachRuntime, type AttachedRuntime } from '../../src/instance/runtime';
import type { RunScriptInput } from '../../src/instance/runtime/script-runtime';
import { applySeed } from '../../src/instance/seed/load';
import { resolveSeed, type SeedOption } from '../../src/instance/seed/source';

/**
 * An engine with the default seed and the script runtime attached, without HTTP: for unit tests of
 * the runtime (Glide APIs, modules, business rules). `run` runs a script as a user and returns its
 * value (objects as plain JSON data), failing the test when the script throws.
 */
export interface RuntimeEngine extends AttachedRuntime {
  engine: InstanceEngine;
  run(script: string, options?: Partial<RunScriptInput> & { as?: string }): unknown;
  close(): void;
}

export async function openRuntimeEngine(options: { seed?: SeedOption; scriptTimeoutMs?: number } = {}): Promise<RuntimeEngine> {
  const engine = InstanceEngine.open({ dbPath: ':memory:' });
  const attached = attachRuntime(engine, { scriptTimeoutMs: options.scriptTimeoutMs });
  await applySeed(engine, resolveSeed(options.seed));
  return {
    engine,
    ...attached,
    run(script, runOptions = {}) {
      const session = runOptions.as ? (engine.sessionForUser(runOptions.as) ?? undefined) : runOptions.session;
      const outcome = attached.runtime.run({ kind: 'script', name: 'test script', ...runOptions, script, session });
      if (!outcome.ok) throw new Error(`script failed: ${outcome.message}`);
      // Objects made in the script's realm become plain ones of this realm (for toEqual).
      return outcome.value !== null && typeof outcome.value === 'object' ? JSON.parse(JSON.stringify(outcome.value)) : outcome.value;
    },
    close: () => engine.close(),
  };
}
