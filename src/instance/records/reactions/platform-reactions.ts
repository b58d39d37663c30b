import { DICTIONARY_TABLES, type TableMeta } from '../../db/dictionary';
import type { RecordOperation, RecordValues } from '../hooks';
import type { SchemaEditor } from '../schema/schema-editor';
import type { RowStore } from '../store/row-store';
import type { RoleService } from './role-grants';

/** Tables whose changes bump the metadata version (every engine then drops its caches). */
export const METADATA_TABLES: ReadonlySet<string> = new Set([
  'sys_db_object',
  'sys_dictionary',
  'sys_choice',
  'sys_number',
  'sys_security_acl',
  'sys_security_acl_role',
  'sys_user_role',
  'sys_user_role_contains',
  'sys_user_has_role',
  'sys_group_has_role',
  'sys_user_grmember',
  'sys_user',
  'sys_user_group',
  'sys_properties',
  'sys_rate_limit_rules',
  'oauth_entity',
  'sys_script',
  'sys_script_include',
  'sys_module',
  'sys_ui_page',
  'sys_ui_action',
  'sys_ui_action_role',
  'sys_ws_definition',
  'sys_ws_version',
  'sys_ws_operation',
  'sysauto_script',
  'sys_scope',
  'sys_app',
]);

/** What the platform's reactions need from the engine. */
export interface ReactionContext {
  store: RowStore;
  roles: RoleService;
  schema: SchemaEditor;
  bumpMetadataVersion(dictionaryChanged: boolean): void;
  syncSchema(): void;
}

/**
 * The platform's own reactions to a write of metadata, inside the write's transaction: caches of
 * every engine marked stale, the physical schema following the dictionary, and role maintenance
 * (inherited roles recomputed, rows that pointed at a deleted user, group, role or ACL removed).
 */
export function reactToWrite(ctx: ReactionContext, operation: RecordOperation, meta: TableMeta, current: RecordValues, previous: RecordValues | null): void {
  const table = meta.name;
  if (!METADATA_TABLES.has(table)) return;
  ctx.bumpMetadataVersion(DICTIONARY_TABLES.has(table));
  if (DICTIONARY_TABLES.has(table)) {
    if (table === 'sys_db_object' && operation === 'insert') ctx.schema.addSystemColumnEntries(current);
    ctx.syncSchema();
  }
  const { roles, store } = ctx;
  const userOf = (v: RecordValues | null): string => v?.user ?? '';
  switch (table) {
    case 'sys_user_has_role':
      // Only direct grants drive the derived rows; the derived rows are written by RoleService itself.
      if ((current.inherited !== 'true' && !current.granted_by) || operation === 'delete') {
        roles.recomputeUser(userOf(current) || userOf(previous));
        if (previous && userOf(previous) && userOf(previous) !== userOf(current)) roles.recomputeUser(userOf(previous));
      }
      break;
    case 'sys_user_grmember':
      if (userOf(current)) roles.recomputeUser(userOf(current));
      if (previous && userOf(previous) && userOf(previous) !== userOf(current)) roles.recomputeUser(userOf(previous));
      break;
    case 'sys_group_has_role':
      if (current.group) roles.recomputeGroupMembers(current.group);
      if (previous?.group && previous.group !== current.group) roles.recomputeGroupMembers(previous.group);
      break;
    case 'sys_user_role_contains':
      roles.recomputeAllUsers();
      break;
    case 'sys_user_role':
      if (operation === 'insert') roles.applyPendingGrants();
      if (operation === 'delete') {
        store.deleteWhere('sys_user_has_role', 'role', current.sys_id);
        store.deleteWhere('sys_user_role_contains', 'role', current.sys_id);
        store.deleteWhere('sys_user_role_contains', 'contains', current.sys_id);
        store.deleteWhere('sys_security_acl_role', 'sys_user_role', current.sys_id);
        roles.recomputeAllUsers();
      }
      break;
    case 'sys_user':
      if (operation === 'delete') {
        store.deleteWhere('sys_user_has_role', 'user', current.sys_id);
        store.deleteWhere('sys_user_grmember', 'user', current.sys_id);
      }
      break;
    case 'sys_user_group':
      if (operation === 'delete') {
        const members = store.valuesWhere('sys_user_grmember', 'user', 'group', current.sys_id);
        store.deleteWhere('sys_user_grmember', 'group', current.sys_id);
        store.deleteWhere('sys_group_has_role', 'group', current.sys_id);
        for (const member of members) if (member) roles.recomputeUser(member);
      } else if (previous && previous.active !== current.active) {
        roles.recomputeGroupMembers(current.sys_id);
      }
      break;
    case 'sys_security_acl':
      if (operation === 'delete') store.deleteWhere('sys_security_acl_role', 'sys_security_acl', current.sys_id);
      break;
    default:
      break;
  }
}
