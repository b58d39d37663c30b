import { InvalidIdentifierError } from './errors';

/**
 * Validation of the names that end up in URLs and encoded queries. ServiceNow stores table and
 * column names in lower case; we accept any case and send lower case, which also guarantees a
 * name can never contain an (upper-case) encoded-query operator or keyword such as `OR` or `NQ`.
 */

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/i;
const TABLE_NAME = /^[a-z][a-z0-9_]*$/i;
const SYS_ID = /^[0-9a-f]{32}$/i;
/** ServiceNow's limit for table and column names. */
const MAX_NAME_LENGTH = 80;

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}

/** A table name such as `incident` or `cmdb_ci_service`, in lower case. */
export function normalizeTableName(name: string): string {
  if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH || !TABLE_NAME.test(name)) {
    throw new InvalidIdentifierError(
      'table',
      `${shown(name)} is not a ServiceNow table name: expected letters, digits and underscores, starting with a ` +
        `letter, such as "incident" or "cmdb_ci_service".`,
    );
  }
  return name.toLowerCase();
}

/** A field name, possibly dot-walked (`caller_id.user_name`), in lower case. */
export function normalizeFieldName(name: string): string {
  const valid =
    typeof name === 'string' &&
    name.split('.').every((part) => part.length <= MAX_NAME_LENGTH && IDENTIFIER.test(part));
  if (!valid) {
    throw new InvalidIdentifierError(
      'field',
      `${shown(name)} is not a ServiceNow field name: expected an identifier such as "short_description", or ` +
        `a dot-walk such as "caller_id.user_name" (letters, digits and underscores, not starting with a digit).`,
    );
  }
  return name.toLowerCase();
}

/** A record's sys_id: 32 hexadecimal digits, in lower case. */
export function normalizeSysId(id: string): string {
  if (typeof id !== 'string' || !SYS_ID.test(id)) {
    throw new InvalidIdentifierError(
      'sys_id',
      `${shown(id)} is not a sys_id: expected 32 hexadecimal digits, such as "9d385017c611228701d22104cc95c371".`,
    );
  }
  return id.toLowerCase();
}
