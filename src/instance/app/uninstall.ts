import type { InstanceEngine } from '../records/engine';
import { syncScheduledTriggers } from '../scheduler/schedule';
import { removeAbsentRecords } from './installer';
import { queryCondition } from '../query';

/**
 * Deletes an application (what `now-sdk install --reinstall` asks through AppsAjaxProcessor
 * deleteApplication): every record of its scope, its tables with their data and choice lists, its ATF
 * steps' inputs, the scope record.
 * Returns how many records were removed (0 when the app is not installed).
 */
export function uninstallApp(engine: InstanceEngine, scopeId: string): number {
  const system = engine.systemSession();
  return engine.transaction(() => {
    const app = engine.get('sys_scope', scopeId, { session: system });
    if (!app) return 0;
    const tables = engine
      .query('sys_db_object', { query: queryCondition('sys_scope', '=', scopeId), session: system })
      .records.map((r) => r.values.name ?? '')
      .filter((name) => engine.hasTable(name))
      .map((name) => engine.tableMeta(name));
    // An ATF step's inputs (sys_variable_value) carry no scope: they go with the app's steps.
    const steps = engine.hasTable('sys_atf_step')
      ? engine.query('sys_atf_step', { query: queryCondition('sys_scope', '=', scopeId), session: system }).records.map((r) => r.sysId)
      : [];
    let removed = removeAbsentRecords(engine, scopeId, new Set(), new Set());
    for (const step of steps) {
      const inputs = engine.query('sys_variable_value', {
        query: `${queryCondition('document', '=', 'sys_atf_step')}^${queryCondition('document_key', '=', step)}`,
        session: system,
      }).records;
      for (const input of inputs) {
        engine.delete('sys_variable_value', input.sysId, { session: system, runBusinessRules: false });
        removed++;
      }
    }
    // Choice lists arrive as sys_choice_set updates whose sys_choice rows carry no scope: they go with their tables.
    for (const meta of tables) {
      for (const choice of engine.query('sys_choice', { query: queryCondition('name', '=', meta.name), session: system }).records) {
        engine.delete('sys_choice', choice.sysId, { session: system, runBusinessRules: false });
        removed++;
      }
    }
    // Only tables that were a hierarchy of their own lose their physical table; a table extending a platform table shares its rows.
    for (const meta of tables) engine.schema.dropPhysicalTable(meta);
    engine.delete(app.table, scopeId, { session: system, runBusinessRules: false });
    removed++;
    engine.installedPropertyValues.forgetScope(scopeId);
    engine.bumpMetadataVersion(true);
    engine.syncSchema();
    syncScheduledTriggers(engine);
    return removed;
  });
}
