import type { GlideRecordFactory } from './glide-interfaces.ts';
import type { ReferenceLookup } from './payload.ts';

/** Resolves references by reading the referenced records (sys_user, sys_user_group, cmdb_ci…). */
export function recordReferenceLookup(newRecord: GlideRecordFactory): ReferenceLookup {
  return {
    user(sysId) {
      const gr = newRecord('sys_user');
      if (!gr.get(sysId)) return null;
      return {
        sys_id: sysId,
        name: gr.getValue('name') || '',
        user_name: gr.getValue('user_name') || '',
        email: gr.getValue('email') || '',
      };
    },
    record(table, sysId) {
      const gr = newRecord(table);
      if (!gr.get(sysId)) return null;
      return { sys_id: sysId, name: gr.getDisplayValue() || '' };
    },
  };
}

export function userExists(newRecord: GlideRecordFactory, userName: string): boolean {
  return newRecord('sys_user').get('user_name', userName);
}

/** The tables `table` extends, nearest first, itself included, following sys_db_object.super_class; empty when there is no such table. */
export function tableHierarchy(newRecord: GlideRecordFactory, table: string): string[] {
  const tables: string[] = [];
  const gr = newRecord('sys_db_object');
  if (!gr.get('name', table)) return tables;
  for (let depth = 0; depth < 10; depth++) {
    tables.push(gr.getValue('name') || '');
    const parent = gr.getValue('super_class') || '';
    if (!parent || !gr.get(parent)) break;
  }
  return tables;
}
