import { IncidentSnError } from '../../shared/errors';
import type { Logger } from 'pino';
import type { AppBuild, BuildRecord, BuildTable } from './app-build';
import { DICTIONARY_TABLES, type TableMeta } from '../db/dictionary';
import type { InstanceEngine } from '../records/engine';
import { formatDateTime, isSysId } from '../records/values';
import { SYSTEM_COLUMN_NAMES } from '../schema/system-columns';
import { syncScheduledTriggers } from '../scheduler/schedule';
import { ensureAppColumns } from './app-columns';
import type { DictionaryRow } from '../records/schema/dictionary-writer';
import { appIndexName } from '../records/schema/schema-editor';
import { queryCondition } from '../query';

/**
 * Installs an app build (the output of `now-sdk build`, or the zip `now-sdk install` uploads) into
 * the instance, in one transaction:
 *
 * - the scope (sys_app, which extends sys_scope), then the records in dependency order: roles and
 *   containment, tables and columns (a table before its columns, `super_class` by name), choices
 *   (`delete_multiple` first), ACLs and their roles, properties, server modules, script includes,
 *   business rules, scripted REST APIs, scheduled jobs, the menu and its modules. Tables the instance
 *   does not know (sys_choice_set, …) are skipped.
 * - References carry the build's sys_ids; a reference to a record the instance has under another
 *   sys_id (global roles such as `admin`) is resolved by the `name` the build gives with it.
 * - A newer build updates records in place by sys_id; records of the scope absent from the build are
 *   removed. A property whose value was changed on the instance since the last install keeps that
 *   value (the webhook URL and secret Connect set survive an upgrade); other fields follow the build.
 * - Then: the build's indexes, a sys_upgrade_history row (`to_version` = the scope, what now-sdk
 *   reads; `from_version` = the version installed before), pending role grants (the seed's service
 *   account gets x_incident_io.api_user as soon as it exists), and the scheduled jobs' triggers.
 *
 * Business rules do not run for the installer's own writes, as on the platform.
 */

export interface InstallSummary {
  scope: string;
  scopeId: string;
  name: string;
  version: string;
  /** The version installed before, null for a first install. */
  previousVersion: string | null;
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  /** Tables of the build the instance does not have (their records were skipped). */
  skippedTables: string[];
  upgradeHistoryId: string;
  durationMs: number;
}

/** Dependency order; tables not listed install afterwards, in name order. */
const INSTALL_ORDER = [
  'sys_user_role',
  'sys_user_role_contains',
  'sys_db_object',
  'sys_dictionary',
  'sys_choice',
  'sys_number',
  'sys_security_acl',
  'sys_security_acl_role',
  'sys_properties',
  'sys_module',
  'sys_script_include',
  'sys_script',
  'sys_ui_page',
  'sys_ui_action',
  'sys_ui_action_role',
  'sys_ws_definition',
  'sys_ws_version',
  'sys_ws_operation',
  'sysauto_script',
  'sys_app_application',
  'sys_app_module',
];

export class AppInstallError extends IncidentSnError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'app_install_failed', ...options });
  }
}

export function installBuild(engine: InstanceEngine, build: AppBuild, options: { logger?: Logger } = {}): InstallSummary {
  const started = Date.now();
  const system = engine.systemSession();
  const write = { session: system, runBusinessRules: false } as const;
  const app = build.app;
  const scopeId = app.sysId;
  const scope = app.fields.scope || app.fields.source || '';
  if (!scope) throw new AppInstallError(`${app.file}: the sys_app record has no scope`);

  const summary: InstallSummary = {
    scope,
    scopeId,
    name: app.fields.name ?? scope,
    version: app.fields.version ?? '',
    previousVersion: null,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    skippedTables: [],
    upgradeHistoryId: '',
    durationMs: 0,
  };

  engine.transaction(() => {
    ensureAppColumns(engine);
    const previous = engine.get('sys_scope', scopeId, { session: system });
    summary.previousVersion = previous ? previous.values.version || '' : null;

    const buildIds = new Set<string>([scopeId, ...build.records.map((r) => r.sysId).filter((id) => id)]);
    const count = (outcome: 'inserted' | 'updated' | 'unchanged'): void => {
      summary[outcome]++;
    };

    count(upsert(engine, 'sys_app', app, buildIds));

    const byTable = new Map<string, BuildRecord[]>();
    for (const record of build.records) {
      const list = byTable.get(record.table) ?? [];
      list.push(record);
      byTable.set(record.table, list);
    }
    const tables = [...INSTALL_ORDER.filter((t) => byTable.has(t)), ...[...byTable.keys()].filter((t) => !INSTALL_ORDER.includes(t)).sort()];
    const installedValues = engine.installedPropertyValues.forScope(scopeId);

    let dictionaryWritten = false;
    for (const table of tables) {
      if (!engine.hasTable(table)) {
        summary.skippedTables.push(table);
        continue;
      }
      if (DICTIONARY_TABLES.has(table)) {
        // All dictionary records in one batch (one schema rebuild), then tables only the XML describes.
        if (dictionaryWritten) continue;
        dictionaryWritten = true;
        const dictionaryTables = tables.filter((t) => DICTIONARY_TABLES.has(t) && engine.hasTable(t));
        for (const t of dictionaryTables) summary.removed += applyDeletions(engine, t, byTable.get(t) ?? [], buildIds);
        const rows: DictionaryRow[] = [];
        for (const t of dictionaryTables) {
          const meta = engine.tableMeta(t);
          for (const record of byTable.get(t) ?? []) {
            if (isDeletion(record) || !record.sysId) continue;
            rows.push({ table: t, sysId: record.sysId, values: resolvedInput(engine, meta, record, buildIds) });
          }
        }
        const written = engine.schema.writeDictionaryRows(rows);
        summary.inserted += written.inserted;
        summary.updated += written.updated;
        summary.unchanged += written.unchanged;
        defineMissingTables(engine, build.tables, byTable.get('sys_db_object') ?? [], scopeId);
        continue;
      }
      const records = byTable.get(table) ?? [];
      summary.removed += applyDeletions(engine, table, records, buildIds);
      for (const record of records) {
        if (isDeletion(record) || !record.sysId) continue;
        if (table === 'sys_properties') count(upsertProperty(engine, record, buildIds, installedValues, scopeId));
        else count(upsert(engine, table, record, buildIds));
      }
    }
    if (!dictionaryWritten) defineMissingTables(engine, build.tables, [], scopeId);

    summary.removed += removeAbsentRecords(engine, scopeId, buildIds, buildTableNames(build));
    createIndexes(engine, build.tables, options.logger);

    const now = formatDateTime(engine.now());
    summary.upgradeHistoryId = engine.insert(
      'sys_upgrade_history',
      {
        from_version: summary.previousVersion ?? '',
        to_version: scope,
        upgrade_started: formatDateTime(started),
        upgrade_finished: now,
        upgrade_count: String(summary.inserted + summary.updated + summary.removed),
        state: 'complete',
      },
      write,
    ).sysId;
    engine.bumpMetadataVersion();
    engine.roles.applyPendingGrants();
    syncScheduledTriggers(engine);
  });
  summary.durationMs = Date.now() - started;
  options.logger?.info(
    { scope, version: summary.version, previous: summary.previousVersion, inserted: summary.inserted, updated: summary.updated, removed: summary.removed, ms: summary.durationMs },
    'app installed',
  );
  return summary;
}

function isDeletion(record: BuildRecord): boolean {
  return record.action === 'delete_multiple' || record.action.toUpperCase() === 'DELETE';
}

/** Deletions a build asks for (a choice list replaced as a whole), before its inserts. Returns how many. */
function applyDeletions(engine: InstanceEngine, table: string, records: readonly BuildRecord[], buildIds: ReadonlySet<string>): number {
  const system = engine.systemSession();
  const write = { session: system, runBusinessRules: false } as const;
  let removed = 0;
  for (const record of records) {
    if (record.action === 'delete_multiple' && record.fields.query) {
      for (const found of engine.query(table, { query: record.fields.query, session: system }).records) {
        if (buildIds.has(found.sysId)) continue;
        engine.delete(table, found.sysId, write);
        removed++;
      }
    } else if (record.action.toUpperCase() === 'DELETE' && record.sysId && engine.get(table, record.sysId, { session: system })) {
      engine.delete(table, record.sysId, write);
      removed++;
    }
  }
  return removed;
}

function buildTableNames(build: AppBuild): Set<string> {
  const names = new Set(build.tables.map((t) => t.name));
  for (const r of build.recordsOf('sys_db_object')) if (r.fields.name) names.add(r.fields.name);
  return names;
}

/** A build value as the instance must store it (references resolved). */
function resolvedInput(engine: InstanceEngine, meta: TableMeta, record: BuildRecord, buildIds: ReadonlySet<string>): Record<string, string> {
  const input: Record<string, string> = {};
  for (const [field, raw] of Object.entries(record.fields)) {
    if (field === 'sys_id' || SYSTEM_COLUMN_NAMES.has(field)) continue;
    const column = meta.columns.get(field);
    if (!column) continue;
    let value = raw;
    if (column.type === 'reference' && column.reference && value) {
      const target = engine.dictionary().table(column.reference);
      const known = buildIds.has(value) || (target ? engine.rowExists(target.name, value) : true);
      if (!known) {
        // A global record the build refers to by the sys_id it has elsewhere: find it by name.
        const name = record.fieldAttributes[field]?.name ?? record.displayValues[field];
        const found = name ? engine.lookupReference(column.reference, name, true) : null;
        if (found) value = found;
      }
    }
    if (meta.name === 'sys_db_object' && field === 'super_class' && value && !isSysId(value)) {
      value = engine.lookupReference('sys_db_object', value, true) ?? '';
    }
    input[field] = value;
  }
  return input;
}

function existingRecord(engine: InstanceEngine, meta: TableMeta, sysId: string) {
  const system = engine.systemSession();
  return engine.get(meta.name, sysId, { session: system }) ?? engine.get(meta.root, sysId, { session: system });
}

function upsert(engine: InstanceEngine, table: string, record: BuildRecord, buildIds: ReadonlySet<string>): 'inserted' | 'updated' | 'unchanged' {
  const write = { session: engine.systemSession(), runBusinessRules: false } as const;
  const meta = engine.tableMeta(table);
  const input = resolvedInput(engine, meta, record, buildIds);
  const existing = existingRecord(engine, meta, record.sysId);
  if (!existing) {
    engine.insert(table, { ...input, sys_id: record.sysId }, write);
    return 'inserted';
  }
  const after = engine.update(existing.table, record.sysId, input, write);
  return after.values.sys_mod_count !== existing.values.sys_mod_count ? 'updated' : 'unchanged';
}

function upsertProperty(
  engine: InstanceEngine,
  record: BuildRecord,
  buildIds: ReadonlySet<string>,
  installedValues: ReadonlyMap<string, string>,
  scopeId: string,
): 'inserted' | 'updated' | 'unchanged' {
  const write = { session: engine.systemSession(), runBusinessRules: false } as const;
  const meta = engine.tableMeta('sys_properties');
  const input = resolvedInput(engine, meta, record, buildIds);
  const buildValue = record.fields.value ?? '';
  const existing = existingRecord(engine, meta, record.sysId);
  let outcome: 'inserted' | 'updated' | 'unchanged';
  if (!existing) {
    engine.insert('sys_properties', { ...input, sys_id: record.sysId }, write);
    outcome = 'inserted';
  } else {
    const stored = existing.values.value ?? '';
    const current = existing.values.type === 'password2' && stored ? engine.decrypt(stored) : stored;
    const lastInstalled = installedValues.get(record.sysId) ?? buildValue;
    // Changed on the instance since the last install (Connect, an admin): the instance's value stays.
    if (current !== lastInstalled) delete input.value;
    const after = engine.update('sys_properties', record.sysId, input, write);
    outcome = after.values.sys_mod_count !== existing.values.sys_mod_count ? 'updated' : 'unchanged';
  }
  engine.installedPropertyValues.remember(record.sysId, scopeId, buildValue);
  return outcome;
}

/** Tables the dictionary XML describes without sys_db_object / sys_dictionary records of their own. */
function defineMissingTables(engine: InstanceEngine, tables: readonly BuildTable[], objectRecords: readonly BuildRecord[], scopeId: string): void {
  const described = new Set(objectRecords.map((r) => r.fields.name));
  for (const table of tables) {
    if (described.has(table.name) && engine.hasTable(table.name)) continue;
    engine.schema.defineTable({
      name: table.name,
      label: table.label,
      extends: table.extends || undefined,
      extensible: table.attributes.is_extendable === 'true',
      scope: scopeId,
      columns: table.columns.map((c) => ({
        name: c.name,
        label: c.label,
        type: c.type,
        reference: c.reference || undefined,
        maxLength: c.maxLength ?? undefined,
        defaultValue: c.defaultValue || undefined,
        mandatory: c.mandatory,
        readOnly: c.readOnly,
        display: c.attributes.display === 'true',
        choices: c.choices.map((ch) => ({ value: ch.value, label: ch.label, sequence: ch.sequence })),
      })),
    });
  }
}

/** Tables with a sys_scope column, once per hierarchy (the root), sys_scope's own hierarchy aside. */
function scopedRoots(engine: InstanceEngine): TableMeta[] {
  const roots = new Map<string, TableMeta>();
  for (const meta of engine.dictionary().tables.values()) {
    if (meta.root === 'sys_scope' || !meta.columns.has('sys_scope')) continue;
    const root = engine.dictionary().table(meta.root);
    if (root && root.columns.has('sys_scope')) roots.set(root.name, root);
  }
  return [...roots.values()];
}

/** Removes the scope's records the build no longer has (all of them for an empty build); returns how many. */
export function removeAbsentRecords(engine: InstanceEngine, scopeId: string, buildIds: ReadonlySet<string>, buildTables: ReadonlySet<string>): number {
  const system = engine.systemSession();
  const write = { session: system, runBusinessRules: false } as const;
  let removed = 0;
  // Dependents first, so their parents' cascades do not remove them behind our back.
  const order = [...INSTALL_ORDER].reverse();
  const roots = scopedRoots(engine).sort((a, b) => {
    const ia = order.indexOf(a.name);
    const ib = order.indexOf(b.name);
    return (ia < 0 ? -1 : ia) - (ib < 0 ? -1 : ib);
  });
  for (const meta of roots) {
    for (const record of engine.query(meta.name, { query: queryCondition('sys_scope', '=', scopeId), session: system }).records) {
      if (buildIds.has(record.sysId)) continue;
      const v = record.values;
      // Dictionary rows of the system columns the platform added to the app's own tables.
      if (meta.name === 'sys_dictionary' && buildTables.has(v.name ?? '') && (SYSTEM_COLUMN_NAMES.has(v.element ?? '') || v.element === 'sys_class_name')) continue;
      if (!engine.get(meta.name, record.sysId, { session: system })) continue;
      engine.delete(record.table, record.sysId, write);
      removed++;
    }
  }
  return removed;
}

/** The build's indexes (the dictionary XML's), created on the table's physical table. */
function createIndexes(engine: InstanceEngine, tables: readonly BuildTable[], logger?: Logger): void {
  for (const table of tables) {
    const meta = engine.dictionary().table(table.name);
    if (!meta) continue;
    for (const index of table.indexes) {
      if (!index.name || index.columns.length === 0 || index.columns.some((c) => !meta.columns.get(c)?.physical)) continue;
      const created = engine.schema.createIndex(meta.name, appIndexName(index.name), index.columns, index.unique);
      // Existing rows break uniqueness: the index is kept for speed, without the constraint.
      if (index.unique && !created.unique) logger?.warn({ index: index.name }, 'unique index could not be created; created a plain one');
    }
  }
}
