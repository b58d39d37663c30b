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
