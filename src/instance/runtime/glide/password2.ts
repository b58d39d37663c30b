import { IncidentSnError } from '../../../shared/errors';
import type { ColumnMeta, TableMeta } from '../../db/dictionary';
import { isEncrypted } from '../../security/crypto';
import { scopeNameOf, type GlideHost } from './host';

/**
 * Password2 (2-way encrypted) fields as ServiceNow documents them for scripts ("Password2 encryption
 * with the Key Management Framework", and GlideRecord/GlideElement setValue): setDisplayValue()
 * encrypts a clear value, getDecryptedValue() reads it back in clear from a script of the table's
 * own scope (or a global script), and setValue() is not for clear values. getValue() and toString()
 * give the stored, encrypted form. Where the documentation says nothing (the display value) the
 * local instance reveals nothing: see docs/local-instance.md, "Unverified details".
 */

/** What getDisplayValue() of a password2 field gives: neither the clear nor the encrypted value. */
export const PASSWORD2_DISPLAY_VALUE = '';

export function isPassword2(column: ColumnMeta | undefined): boolean {
  return column?.type === 'password2';
}

/** setValue() (and `gr.field = value`) on a password2 field accepts only an already encrypted value. */
export function checkPassword2Assignment(table: string, column: ColumnMeta, value: string): void {
  if (value === '' || isEncrypted(value)) return;
  throw new IncidentSnError(
    `setValue() on the password2 field ${table}.${column.name} expects encrypted data: ` +
      `use ${column.name}.setDisplayValue(value) to encrypt a clear value (ServiceNow documents setValue() as not for password2 fields)`, { code: 'glide_password2_set_value' }
  );
}

/** The clear text of a password2 value for the running script, refused across scopes as the platform does. */
export function decryptPassword2(host: GlideHost, table: TableMeta, column: ColumnMeta, stored: string): string {
  const scriptScope = host.frame()?.scope ?? 'global';
  const tableScope = scopeNameOf(host.engine, table.scope);
  if (scriptScope !== 'global' && scriptScope !== tableScope) {
    throw new IncidentSnError(`Access to api 'getDecryptedValue(${column.name})' from scope '${scriptScope}' has been refused due to the api's cross-scope access policy`, { code: 'glide_cross_scope_refused' });
  }
  return stored ? host.engine.decrypt(stored) : '';
}
