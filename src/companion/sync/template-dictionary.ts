import type { Logger } from 'pino';
import { describeError } from '../../shared/errors';
import { encodedQuery, type TableClient } from '../client';
import type { ConnectionRegistry } from './connection-registry';
import { MappingError, type SyncMapping } from './mapping';
import type { FieldValue } from './ticket-templates';

/**
 * Ticket templates checked against an instance's dictionary when the companion starts: every field
 * a template sets must be a field of the incident table (or a table it extends, such as task),
 * custom `u_` fields included, and a fixed value of a choice field must be one of its choices. Read
 * through the Table API (sys_db_object, sys_dictionary, sys_choice), as the service account.
 */

export interface IncidentDictionary {
  /** The incident table and the tables it extends, nearest first. */
  tables: string[];
  fields: Set<string>;
  /** Field → its active choice values (fields without choices are absent). */
  choices: Map<string, Set<string>>;
}

/** How far up the table hierarchy a dictionary read goes (task-based tables are 2 or 3 deep). */
export const MAX_TABLE_DEPTH = 10;

/** The tables `name` extends on the instance, nearest first, itself included; empty when there is no such table. */
export async function readTableHierarchy(table: TableClient, name: string, signal?: AbortSignal): Promise<string[]> {
  const call = signal ? { signal } : {};
  const tables: string[] = [];
  let next: { name?: string; sysId?: string } = { name };
  while (tables.length < MAX_TABLE_DEPTH) {
    const query = next.name !== undefined ? encodedQuery().where('name', '=', next.name) : encodedQuery().where('sys_id', '=', next.sysId!);
    const page = await table.listPage('sys_db_object', { query, fields: ['name', 'super_class'], excludeReferenceLink: true, limit: 1, noCount: true, ...call });
    const row = page.records[0];
    if (!row) break;
    tables.push(String(row.name));
    const parent = String(row.super_class ?? '');
    if (!parent) break;
    next = { sysId: parent };
  }
  return tables;
}


/** The incident table's fields and choices on the instance. */
export async function readIncidentDictionary(table: TableClient, signal?: AbortSignal): Promise<IncidentDictionary> {
  const call = signal ? { signal } : {};
  const tables = await readTableHierarchy(table, 'incident', signal);
  if (tables.length === 0) tables.push('incident');
  const fields = new Set<string>();
  for await (const row of table.list('sys_dictionary', { query: encodedQuery().where('name', 'IN', tables).and('element', 'ISNOTEMPTY'), fields: ['element'], ...call })) {
    fields.add(String(row.element));
  }
  const choices = new Map<string, Set<string>>();
  for await (const row of table.list('sys_choice', { query: encodedQuery().where('name', 'IN', tables).and('inactive', '=', false), fields: ['element', 'value'], ...call })) {
    const element = String(row.element);
    if (!choices.has(element)) choices.set(element, new Set());
    choices.get(element)!.add(String(row.value));
  }
  return { tables, fields, choices };
}

/** The fixed values a field value can write (texts without placeholders); lookups and computed texts are not fixed. */
function fixedValues(value: FieldValue): string[] {
  const fixed = (v: string | number | boolean): string[] => (typeof v === 'string' && v.includes('{') ? [] : [String(v)]);
  if (typeof value !== 'object') return fixed(value);
  if ('user' in value || 'group' in value) return [];
  return [...Object.values(value.values), ...(value.default !== undefined ? [value.default] : [])].flatMap(fixed);
}

/** What is wrong with the templates on this instance, each with its template and path. */
export function checkTemplatesAgainstDictionary(mapping: SyncMapping, dictionary: IncidentDictionary, instance: string): string[] {
  const problems: string[] = [];
  mapping.templates.forEach((template, i) => {
    for (const [field, value] of Object.entries(template.fields)) {
      const at = `templates[${i}].fields.${field} (template "${template.name}")`;
      if (!dictionary.fields.has(field)) {
        problems.push(
          `${at}: the incident table on "${instance}" has no field "${field}". Correct the name, or add the field in ServiceNow ` +
            `(System Definition > Dictionary, on ${dictionary.tables[0]}), then start again`,
        );
        continue;
      }
      const choices = dictionary.choices.get(field);
      if (!choices || choices.size === 0) continue;
      for (const fixed of fixedValues(value)) {
        if (!choices.has(fixed)) {
          problems.push(
            `${at}: "${fixed}" is not a choice of incident.${field} on "${instance}" (its choices: ${[...choices].sort().join(', ')}). ` +
              `Use one of them, or add the choice in ServiceNow`,
          );
        }
      }
    }
  });
  return problems;
}

const CANNOT_CHECK =
  'the ticket templates could not be checked against this instance: give the service account read access to sys_db_object and ' +
  'sys_dictionary (docs/sync.md, "Ticket templates"), or check the templates by hand';

/**
 * Checks the templates on every stored connection; throws a MappingError listing every problem.
 * An instance that cannot be read (down, or the service account may not read the dictionary) is
 * not checked, and the log says so: the sync still runs. Returns the connections checked and skipped.
 */
export async function validateTemplatesOnConnections(
  mapping: SyncMapping,
  registry: ConnectionRegistry,
  logger: Logger,
): Promise<{ checked: string[]; skipped: string[] }> {
  const report = { checked: [] as string[], skipped: [] as string[] };
  if (mapping.templates.length === 0) return report;
  const problems: string[] = [];
  for (const connection of await registry.all()) {
    let dictionary: IncidentDictionary | undefined;
    try {
      dictionary = await readIncidentDictionary(registry.client(connection).table);
    } catch (err) {
      logger.warn({ connection: connection.name, err: describeError(err) }, CANNOT_CHECK);
    }
    if (dictionary && dictionary.fields.size === 0) logger.warn({ connection: connection.name, err: 'no incident field in sys_dictionary was readable' }, CANNOT_CHECK);
    if (!dictionary || dictionary.fields.size === 0) {
      report.skipped.push(connection.name);
      continue;
    }
    report.checked.push(connection.name);
    problems.push(...checkTemplatesAgainstDictionary(mapping, dictionary, connection.name));
  }
  if (problems.length > 0) throw new MappingError(`The ticket templates do not fit the instance: ${problems.join('; ')}.`);
  return report;
}
