import type { InstanceEngine } from '../../records/engine';
import type { Session } from '../../records/session';
import type { SyncHttpClient } from '../outbound/sync-http';

/** What kind of script is running (for logs and for the variables it gets). */
export type ScriptKind = 'business_rule' | 'ui_action' | 'rest_operation' | 'scheduled_job' | 'script_include' | 'condition' | 'acl' | 'module' | 'script';

/** The script being executed, innermost first on the runtime's stack. */
export interface ExecutionFrame {
  kind: ScriptKind;
  /** The record's name (business rule name, REST operation, job name…). */
  name: string;
  /** The application scope the script belongs to (`x_incident_io`, or `global`). */
  scope: string;
  sysId: string;
}

/**
 * What the Glide implementations need from the runtime that runs them: the engine of this thread,
 * who is running (the engine's current session) and which script (for log sources).
 */
export interface GlideHost {
  readonly engine: InstanceEngine;
  /** The innermost running script, or null outside any script. */
  frame(): ExecutionFrame | null;
  session(): Session;
  /** Outbound HTTP for RESTMessageV2 (one helper thread per script thread, started on first use). */
  http(): SyncHttpClient;
  /** Where gs.addInfoMessage/addErrorMessage go while a UI action runs (null: no UI to show them). */
  uiMessages(): UiMessage[] | null;
}

/** A message a script shows the user who pressed a UI action. */
export interface UiMessage {
  type: 'info' | 'error';
  message: string;
}

/** The scope name of a scope sys_id (or the name itself); `global` when unknown. */
export function scopeNameOf(engine: InstanceEngine, scopeIdOrName: string): string {
  if (!scopeIdOrName || scopeIdOrName === 'global') return 'global';
  return engine.cachedByMetadata(`runtime:scope:${scopeIdOrName}`, () => {
    return engine.lookups.scopeName(scopeIdOrName) ?? 'global';
  });
}
