import { createHash } from 'node:crypto';
import path from 'node:path';
import vm from 'node:vm';
import { transformSync } from 'esbuild';
import type { InstanceEngine } from '../records/engine';
import { instrumentQuotaChecks } from './script-quota';

/**
 * Server modules (sys_module records): an app's ES modules, addressed by their module path
 * (`x_incident_io/incident-io-servicenow/1.0.0/src/server/lib/queue.ts`). They are turned into
 * CommonJS with esbuild once per content (cached for the life of the process) and compiled into a
 * vm.Script once per content too; each runtime evaluates them in its own context, once per version of
 * the module table (which changes with the metadata version).
 */

export interface ModuleSource {
  path: string;
  content: string;
  hash: string;
}

export interface ModuleTable {
  /** Changes whenever any module's path or content changes. */
  key: string;
  byPath: ReadonlyMap<string, ModuleSource>;
}

/** The Glide modules scripts may import, resolved to the runtime's own implementations. */
export const GLIDE_MODULE_IDS = ['@servicenow/glide', '@servicenow/glide/sn_ws', '@servicenow/glide/sn_ws_err', '@servicenow/glide/sn_ws_int'] as const;

export function loadModuleTable(engine: InstanceEngine): ModuleTable {
  return engine.cachedByMetadata('runtime:module-table', () => {
    const rows = engine.lookups.moduleSources();
    const all = createHash('sha256');
    const byPath = new Map<string, ModuleSource>();
    for (const row of rows) {
      const content = row.content ?? '';
      const hash = createHash('sha256').update(content).digest('hex');
      byPath.set(row.path, { path: row.path, content, hash });
      all.update(row.path).update('\0').update(hash).update('\0');
    }
    return { key: all.digest('hex'), byPath };
  });
}

/** Finds the module `specifier` names, from `importer` (a module path) or from a script (null). */
export function resolveModulePath(table: ModuleTable, specifier: string, importer: string | null): string | null {
  const candidates: string[] = [];
  const base = specifier.startsWith('./') || specifier.startsWith('../') ? (importer ? path.posix.join(path.posix.dirname(importer), specifier) : null) : specifier;
  if (!base) return null;
  candidates.push(base, `${base}.ts`, `${base}.js`, `${base}/index.ts`, `${base}/index.js`);
  return candidates.find((c) => table.byPath.has(c)) ?? null;
}

const compiledModules = new Map<string, vm.Script>();

/** The module's CommonJS wrapper, compiled once per content hash (any context can run it). */
export function compiledModule(source: ModuleSource): vm.Script {
  let script = compiledModules.get(source.hash);
  if (!script) {
    const isJson = source.path.endsWith('.json');
    const code = isJson
      ? `module.exports = ${JSON.stringify(JSON.parse(source.content))};`
      : transformSync(source.content, { loader: source.path.endsWith('.js') ? 'js' : 'ts', format: 'cjs', target: 'es2022', sourcefile: source.path }).code;
    // With the script quota's checks (script-quota.ts), as every script the runtime runs.
    script = new vm.Script(instrumentQuotaChecks(`(function (exports, require, module, __filename, __dirname) {${code}\n})`), { filename: source.path });
    compiledModules.set(source.hash, script);
  }
  return script;
}
