import { IncidentSnError } from '../../shared/errors';
import path from 'node:path';
import vm from 'node:vm';
import type { InstanceEngine } from '../records/engine';
import type { Session } from '../records/session';
import { createGlideApis, type GlideApis } from './glide';
import { scopeNameOf, type ExecutionFrame, type GlideHost, type ScriptKind, type UiMessage } from './glide/host';
import { compiledModule, GLIDE_MODULE_IDS, loadModuleTable, resolveModulePath, type ModuleTable } from './modules';
import { threadHttpClient, type SyncHttpClient } from './outbound/sync-http';
import { instrumentQuotaChecks, QUOTA_CHECK_NAME, threadQuota } from './script-quota';

/**
 * Runs the app's scripts in this thread: business rules, scripted REST operations, scheduled jobs,
 * script includes, conditions and ACL scripts, and the server modules they require.
 *
 * One vm context per runtime (per engine, per thread), reused safely: every script runs as the body
 * of a function compiled once per script text, so its declarations stay local to one execution, and
 * its own variables (`current`, `previous`, `request`, `response`) are that function's parameters.
 * The Glide globals are bound to this runtime's engine; who runs is the engine's current session
 * (scripts run inside `engine.runAs`). Every execution runs under the thread's script quota
 * (script-quota.ts: checks compiled into the scripts, no watchdog thread): a script run from inside
 * another (a rule fired by a script's insert) or inside `watched()` (all of one write's after rules,
 * conditions included) shares the outer one's time budget, as a platform transaction's quota covers
 * everything the transaction runs.
 *
 * Server modules are evaluated once per version of the module table and shared by the scripts of
 * this runtime (as a module system does). A script error never escapes: `run` logs it to syslog
 * (naming the script) and returns it.
 */

export interface ScriptRuntimeOptions {
  /** Longest a single script may run, in ms (default 120 s; outbound calls count). */
  scriptTimeoutMs?: number;
}

export interface RunScriptInput {
  kind: ScriptKind;
  name: string;
  sysId?: string;
  /** Scope sys_id or name of the record the script belongs to. */
  scope?: string;
  script: string;
  /** The script's own variables (current, previous, request, response…). */
  variables?: Record<string, unknown>;
  /** 'statements' (default); 'expression' returns the expression's value; 'answer' returns `answer`. */
  mode?: 'statements' | 'expression' | 'answer';
  /** Who runs it (default: the engine's current session). */
  session?: Session;
  /** Log a failure to syslog (default true), or decide per error (false: an expected answer, not a failure). */
  logErrors?: boolean | ((error: unknown) => boolean);
}

export type ScriptOutcome = { ok: true; value: unknown } | { ok: false; error: unknown; message: string };

interface ModuleInstance {
  exports: unknown;
  loaded: boolean;
}

/** How long one script may run before it is stopped (the scheduler's workers use it too). */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 120_000;
const MAX_DEPTH = 30;

/** Message and stack of anything thrown, from this realm or the script's. */
export function describeThrown(err: unknown): { message: string; stack: string } {
  if (err && typeof err === 'object' && 'message' in err) {
    const e = err as { message: unknown; stack?: unknown; name?: unknown };
    return { message: String(e.message), stack: typeof e.stack === 'string' ? e.stack : String(e.message) };
  }
  return { message: String(err), stack: String(err) };
}

const KIND_LABEL: Record<ScriptKind, string> = {
  business_rule: 'Business rule',
  ui_action: 'UI action',
  rest_operation: 'Scripted REST operation',
  scheduled_job: 'Scheduled job',
  script_include: 'Script include',
  condition: 'Condition',
  acl: 'ACL script',
  module: 'Server module',
  script: 'Script',
};

export class ScriptRuntime implements GlideHost {
  readonly apis: GlideApis;
  private readonly context: vm.Context;
  private readonly frames: ExecutionFrame[] = [];
  /** Compiled functions by script text, then by mode and parameter names (a Map hashes a string key once: no digest per run). */
  private readonly functions = new Map<string, Map<string, (...args: unknown[]) => unknown>>();
  private readonly timeoutMs: number;
  private readonly timeoutResets: Array<() => void> = [];
  private moduleKey = '';
  private modules = new Map<string, ModuleInstance>();
  private includesSeen: unknown = null;
  private definedIncludes: string[] = [];

  constructor(
    readonly engine: InstanceEngine,
    options: ScriptRuntimeOptions = {},
  ) {
    this.timeoutMs = options.scriptTimeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS;
    this.apis = createGlideApis(this);
    const sandbox: Record<string, unknown> = {
      ...this.apis.globals,
      Class: classHelper(),
      require: (specifier: string) => this.require(String(specifier), null),
      [QUOTA_CHECK_NAME]: threadQuota.check,
    };
    this.context = vm.createContext(sandbox, { name: 'local-instance scripts' });
  }

  // ── GlideHost ─────────────────────────────────────────────────────────────
  frame(): ExecutionFrame | null {
    return this.frames[this.frames.length - 1] ?? null;
  }

  session(): Session {
    return this.engine.currentSession();
  }

  http(): SyncHttpClient {
    return threadHttpClient();
  }

  private messages: UiMessage[] | null = null;

  uiMessages(): UiMessage[] | null {
    return this.messages;
  }

  /** Runs `work` collecting the UI messages its scripts add (what the user who pressed a UI action sees). */
  collectingUiMessages<T>(work: () => T): { value: T; messages: UiMessage[] } {
    const outer = this.messages;
    const messages: UiMessage[] = [];
    this.messages = messages;
    try {
      return { value: work(), messages };
    } finally {
      this.messages = outer;
    }
  }

  // ── running scripts ───────────────────────────────────────────────────────
  /** Runs a script; never throws. Failures are logged to syslog (unless `logErrors: false`) and returned. */
  run(input: RunScriptInput): ScriptOutcome {
    const frame: ExecutionFrame = { kind: input.kind, name: input.name, scope: scopeNameOf(this.engine, input.scope ?? 'global'), sysId: input.sysId ?? '' };
    const execute = (): ScriptOutcome => {
      if (this.frames.length >= MAX_DEPTH) {
        return this.failed(input, frame, new Error(`scripts nested more than ${MAX_DEPTH} deep (a business rule triggering itself?)`));
      }
      this.frames.push(frame);
      try {
        this.refreshScriptIncludes();
        const variables = input.variables ?? {};
        const names = Object.keys(variables);
        const fn = this.compile(input.script, names, input.mode ?? 'statements', `${input.kind}:${input.name}`);
        const value = threadQuota.active ? fn(...names.map((n) => variables[n])) : this.underQuota(() => fn(...names.map((n) => variables[n])));
        return { ok: true, value };
      } catch (err) {
        // Past the quota a script's failure is the quota's: it ends the outermost run, not this script.
        if (threadQuota.active && threadQuota.exceeded) throw err;
        return this.failed(input, frame, err);
      } finally {
        this.frames.pop();
      }
    };
    return input.session ? this.engine.runAs(input.session, execute) : execute();
  }

  private failed(input: RunScriptInput, frame: ExecutionFrame, err: unknown): ScriptOutcome {
    const { message, stack } = describeThrown(err);
    const log = typeof input.logErrors === 'function' ? input.logErrors(err) : (input.logErrors ?? true);
    if (log) {
      try {
        this.engine.log('error', `${KIND_LABEL[input.kind]} '${input.name}' failed: ${stack}`, 'Evaluator', {
          application: frame.scope !== 'global' ? frame.scope : undefined,
        });
      } catch {
        // Logging must never turn a script error into a crash.
      }
    }
    return { ok: false, error: err, message };
  }

  private compile(script: string, names: string[], mode: 'statements' | 'expression' | 'answer', filename: string): (...args: unknown[]) => unknown {
    const key = `${mode}|${names.join(',')}`;
    let byKey = this.functions.get(script);
    if (!byKey) {
      byKey = new Map();
      this.functions.set(script, byKey);
    }
    let fn = byKey.get(key);
    if (!fn) {
      const body = mode === 'expression' ? `return (${script}\n);` : mode === 'answer' ? `var answer;\n${script}\n;return answer;` : script;
      const source = `(function (${names.join(', ')}) {\n${body}\n})`;
      fn = new vm.Script(instrumentQuotaChecks(source), { filename, lineOffset: -1 }).runInContext(this.context) as (...args: unknown[]) => unknown;
      byKey.set(key, fn);
    }
    return fn;
  }

  /**
   * Runs `work` (host code that runs scripts: a write's after rules) under one quota: the scripts it
   * runs share it. Overstaying stops all of it and throws here (the caller decides: the after rules'
   * failure is logged, the write stays). Inside another watched run, just runs it.
   */
  watched<T>(work: () => T): T {
    return threadQuota.active ? work() : this.underQuota(work);
  }

  /**
   * Calls `work` under the thread's quota. A run that overstays throws a ScriptQuotaExceeded from a
   * check in its scripts; catch and finally blocks on the way run, but a script or host code may have
   * swallowed it, so the end of the run decides, and restores what must not outlive it: the script
   * frames, and a database transaction begun inside and left open (rolled back).
   */
  private underQuota<T>(work: () => T): T {
    const depth = this.frames.length;
    const inTransaction = this.engine.inTransaction();
    return threadQuota.within(this.timeoutMs, () => {
      let value: T | undefined;
      try {
        value = this.engine.restoringSession(work);
      } catch (err) {
        if (!threadQuota.exceeded) throw err;
      }
      if (!threadQuota.exceeded) return value as T;
      this.frames.length = depth;
      if (!inTransaction) this.engine.abandonTransaction();
      for (const reset of this.timeoutResets) reset();
      throw threadQuota.error();
    });
  }

  /** Registers state to put back when a timeout stopped scripts without unwinding (e.g. the rule runner's counting flag). */
  onTimeout(reset: () => void): void {
    this.timeoutResets.push(reset);
  }

  // ── modules ───────────────────────────────────────────────────────────────
  /** `require` as scripts see it: Glide modules, or a server module by path. */
  require(specifier: string, importer: string | null): unknown {
    if ((GLIDE_MODULE_IDS as readonly string[]).includes(specifier)) return this.apis.modules[specifier];
    const table = this.currentModules();
    const resolved = resolveModulePath(table, specifier, importer);
    if (!resolved) {
      const from = importer ? ` (imported by ${importer})` : '';
      throw new IncidentSnError(
        `Cannot find module '${specifier}'${from}: the local instance resolves the app's server modules (sys_module) by path and ` +
          `${GLIDE_MODULE_IDS.join(', ')}; other packages do not exist on an instance`, { code: 'script_module_not_found' }
      );
    }
    const cached = this.modules.get(resolved);
    if (cached) return cached.exports;
    const source = table.byPath.get(resolved);
    if (!source) throw new IncidentSnError(`Cannot find module '${resolved}'`, { code: 'script_module_not_found' });
    const module: ModuleInstance = { exports: {}, loaded: false };
    this.modules.set(resolved, module);
    try {
      const wrapper = compiledModule(source).runInContext(this.context) as (...args: unknown[]) => void;
      const requireFromModule = (spec: string) => this.require(String(spec), resolved);
      wrapper.call(module.exports, module.exports, requireFromModule, module, resolved, path.posix.dirname(resolved));
      module.loaded = true;
    } catch (err) {
      this.modules.delete(resolved);
      throw err;
    }
    return module.exports;
  }

  /**
   * Compiles every server module of the current table ahead of first use (esbuild, then vm), without
   * running any: the cache is per thread, so a scheduler worker's first delivery would otherwise pay
   * for it (hundreds of ms). A module that does not compile is left to fail where it is required.
   */
  warmModules(): number {
    let compiled = 0;
    for (const source of this.currentModules().byPath.values()) {
      try {
        compiledModule(source);
        compiled++;
      } catch {
        // Reported by require(), with the importing script's name.
      }
    }
    return compiled;
  }

  private currentModules(): ModuleTable {
    const table = loadModuleTable(this.engine);
    if (table.key !== this.moduleKey) {
      this.moduleKey = table.key;
      this.modules = new Map();
    }
    return table;
  }

  // ── script includes ───────────────────────────────────────────────────────
  /**
   * Active script includes become globals (`new MyUtil()`), and scoped ones also members of their
   * scope's namespace (`new x_incident_io.MyUtil()`); each is evaluated on first use.
   */
  private refreshScriptIncludes(): void {
    const includes = this.engine.cachedByMetadata('runtime:script-includes', () => {
      const rows = this.engine.query('sys_script_include', { query: 'active!=false', session: this.engine.systemSession() }).records;
      return rows.map((r) => r.values);
    });
    // The list object changes only when the metadata version does.
    if (includes === this.includesSeen) return;
    this.includesSeen = includes;
    const sandbox = this.context as Record<string, unknown>;
    for (const name of this.definedIncludes) delete sandbox[name];
    this.definedIncludes = [];
    const namespaces = new Map<string, Record<string, unknown>>();
    for (const row of includes) {
      const name = row.name ?? '';
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) continue;
      const scope = scopeNameOf(this.engine, row.sys_scope ?? 'global');
      let value: unknown;
      let evaluated = false;
      const load = (): unknown => {
        if (!evaluated) {
          evaluated = true;
          const outcome = this.run({
            kind: 'script_include',
            name,
            sysId: row.sys_id,
            scope,
            script: `${row.script ?? ''}\n;return typeof ${name} !== 'undefined' ? ${name} : undefined;`,
          });
          value = outcome.ok ? outcome.value : undefined;
        }
        return value;
      };
      if (!(name in sandbox) || this.definedIncludes.includes(name)) {
        Object.defineProperty(sandbox, name, { get: load, configurable: true, enumerable: false });
        this.definedIncludes.push(name);
      }
      if (scope !== 'global') {
        let ns = namespaces.get(scope);
        if (!ns) {
          ns = {};
          namespaces.set(scope, ns);
        }
        Object.defineProperty(ns, name, { get: load, enumerable: true });
      }
    }
    for (const [scope, ns] of namespaces) {
      if (scope in sandbox && !this.definedIncludes.includes(scope)) continue;
      sandbox[scope] = ns;
      this.definedIncludes.push(scope);
    }
  }
}

/** Prototype.js's Class.create(), which classic script includes are written with. */
function classHelper(): Record<string, unknown> {
  return {
    create() {
      return function (this: { initialize?: (...args: unknown[]) => void }, ...args: unknown[]) {
        if (typeof this.initialize === 'function') this.initialize(...args);
      };
    },
  };
}
