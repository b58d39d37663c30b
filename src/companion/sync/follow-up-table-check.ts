import type { Logger } from 'pino';
import { describeError } from '../../shared/errors';
import { encodedQuery, type TableClient } from '../client';
import type { ConnectionRegistry } from './connection-registry';
import { DEFAULT_FOLLOW_UP_MAPPING, type FollowUpMapping } from './follow-up-mapping';
import { MappingError } from './mapping';
import { MAX_TABLE_DEPTH, readTableHierarchy } from './template-dictionary';

/**
 * The follow-up table and parent field checked against each instance when the companion starts
 * (docs/sync.md, "Follow-ups"): the table must exist and extend task (the app's follow-up rules are on
 * task; correlation_id, short_description and state are task's), and the parent field must be a
 * reference that can hold the incident's record. Read through the Table API (sys_db_object,
 * sys_dictionary) as the service account; the default (incident, parent_incident) is a base
 * instance's and is not read.
 */

/** Tables an incident record is one of: a parent field referring to another table cannot point at it. */
const INCIDENT_TABLES = ['incident', 'task'];

/** What is wrong with the follow-up table and parent field on one instance (empty: nothing), or null when the dictionary cannot be read. */
export async function followUpTableProblems(table: TableClient, mapping: FollowUpMapping, instance: string): Promise<string[] | null> {
  const tables = await readTableHierarchy(table, mapping.table);
  if (tables.length === 0) {
    // No row may mean no read access to sys_db_object: task is on every instance.
    if ((await readTableHierarchy(table, 'task')).length === 0) return null;
    return [`followUps.table: "${instance}" has no table "${mapping.table}". Correct followUps.table in the mapping file (problem, or a table extending task), then start again`];
  }
  if (!tables.includes('task')) {
    return [`followUps.table: "${mapping.table}" on "${instance}" does not extend task (it extends ${tables.slice(1).join(', ') || 'nothing'}): follow-ups must be task records, such as problem`];
  }
  const rows = await table.listPage('sys_dictionary', {
    query: encodedQuery().where('name', 'IN', tables).and('element', '=', mapping.parentField),
    fields: ['name', 'internal_type', 'reference'],
    excludeReferenceLink: true,
    limit: MAX_TABLE_DEPTH,
    noCount: true,
  });
  // The nearest definition wins (a table may override an inherited field).
  const field = tables.map((t) => rows.records.find((r) => String(r.name) === t)).find((r) => r !== undefined);
  if (!field) {
    return [
      `followUps.parentField: ${mapping.table} on "${instance}" has no field "${mapping.parentField}" (nor do the tables it extends: ${tables.slice(1).join(', ')}). ` +
        `Use "parent" (task's), or add the reference field in ServiceNow, then start again`,
    ];
  }
  const type = String(field.internal_type ?? '');
  const target = String(field.reference ?? '');
  if (type !== 'reference' || !INCIDENT_TABLES.includes(target)) {
    return [
      `followUps.parentField: ${mapping.table}.${mapping.parentField} on "${instance}" is ${type === 'reference' ? `a reference to ${target || 'no table'}` : `a ${type || 'field of unknown type'}`}, ` +
        `not a reference that can hold the incident (to incident or task). Use "parent", then start again`,
    ];
  }
  return [];
}

const CANNOT_CHECK =
  'the follow-up table could not be checked against this instance: give the service account read access to sys_db_object and ' +
  'sys_dictionary (docs/sync.md, "Follow-ups"), or check followUps.table and followUps.parentField by hand';

/**
 * Checks the follow-up table and parent field on every stored connection; throws a MappingError naming
 * each problem. An instance that cannot be read is not checked, and the log says so.
 */
export async function validateFollowUpTableOnConnections(
  mapping: FollowUpMapping,
  registry: ConnectionRegistry,
  logger: Logger,
): Promise<{ checked: string[]; skipped: string[] }> {
  const report = { checked: [] as string[], skipped: [] as string[] };
  if (mapping.table === DEFAULT_FOLLOW_UP_MAPPING.table && mapping.parentField === DEFAULT_FOLLOW_UP_MAPPING.parentField) return report;
  const problems: string[] = [];
  for (const connection of await registry.all()) {
    let found: string[] | null = null;
    try {
      found = await followUpTableProblems(registry.client(connection).table, mapping, connection.name);
      if (found === null) logger.warn({ connection: connection.name, err: 'no table in sys_db_object was readable' }, CANNOT_CHECK);
    } catch (err) {
      logger.warn({ connection: connection.name, err: describeError(err) }, CANNOT_CHECK);
    }
    if (found === null) {
      report.skipped.push(connection.name);
      continue;
    }
    report.checked.push(connection.name);
    problems.push(...found);
  }
  if (problems.length > 0) throw new MappingError(`The follow-ups mapping does not fit the instance: ${problems.join('; ')}.`);
  return report;
}
