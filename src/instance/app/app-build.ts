import { IncidentSnError } from '../../shared/errors';
import { XMLParser } from 'fast-xml-parser';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Reads the output of `now-sdk build` (dist/app), or the same files from the zip `now-sdk install`
 * uploads: `scope/sys_app_<id>.xml`, `update/<table>_<sys_id>.xml` (one record each) and
 * `dictionary/<table>.xml` (a table's columns and choices).
 */

export interface BuildRecord {
  table: string;
  sysId: string;
  action: string;
  /** Every field as text ("" for an empty element). */
  fields: { [field: string]: string };
  /** Fields that carry a display_value attribute (references, choices). */
  displayValues: { [field: string]: string };
  /** Other attributes of field elements, e.g. `name` on sys_user_role references. */
  fieldAttributes: { [field: string]: { [attribute: string]: string } };
  file: string;
}

export interface BuildChoice {
  value: string;
  label: string;
  sequence: number;
}

export interface BuildColumn {
  name: string;
  type: string;
  label: string;
  maxLength: number | null;
  mandatory: boolean;
  readOnly: boolean;
  defaultValue: string;
  reference: string;
  choices: BuildChoice[];
  /** Every attribute of the column element as written. */
  attributes: { [name: string]: string };
}

export interface BuildIndex {
  name: string;
  unique: boolean;
  columns: string[];
}

export interface BuildTable {
  name: string;
  label: string;
  extends: string;
  columns: BuildColumn[];
  indexes: BuildIndex[];
  attributes: { [name: string]: string };
}

export interface AppBuild {
  /** The sys_app record. */
  app: BuildRecord;
  records: BuildRecord[];
  tables: BuildTable[];
  recordsOf(table: string): BuildRecord[];
}

export interface BuildFile {
  /** Relative path, e.g. `update/sys_script_<id>.xml` (a leading `/` is ignored). */
  path: string;
  content: string;
}

type XmlNode = { [key: string]: unknown };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  textNodeName: '#text',
  isArray: (_name, jpath) => /^database\.element(\.element)?$/.test(String(jpath)) || /\.(choice\.element|index|index\.element)$/.test(String(jpath)),
});

function text(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && '#text' in (node as XmlNode)) return String((node as XmlNode)['#text']);
  return '';
}

function attributesOf(node: unknown): { [name: string]: string } {
  const attributes: { [name: string]: string } = {};
  if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as XmlNode)) {
      if (key.startsWith('@_')) attributes[key.slice(2)] = String(value);
    }
  }
  return attributes;
}

export class AppBuildError extends IncidentSnError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'app_build_unreadable', ...options });
  }
}

function toRecord(table: string, node: XmlNode, file: string): BuildRecord {
  const record: BuildRecord = {
    table,
    sysId: '',
    action: String(node['@_action'] ?? 'INSERT_OR_UPDATE'),
    fields: {},
    displayValues: {},
    fieldAttributes: {},
    file,
  };
  for (const [field, value] of Object.entries(node)) {
    if (field.startsWith('@_') || field === '#text') continue;
    record.fields[field] = text(value);
    const attributes = attributesOf(value);
    if ('display_value' in attributes) record.displayValues[field] = attributes.display_value!;
    if (Object.keys(attributes).length) record.fieldAttributes[field] = attributes;
  }
  record.sysId = record.fields.sys_id ?? '';
  // delete_multiple entries name what to delete in an attribute: <sys_choice action="delete_multiple" query="…"/>
  if (node['@_query'] !== undefined) record.fields.query = String(node['@_query']);
  return record;
}

/**
 * One file usually holds one record. Composite updates (author_elective_update/, e.g. a choice
 * list as sys_choice_v2) nest several records; `delete_multiple` entries carry an encoded query of
 * records to remove before the new ones are written.
 */
function parseRecords(file: BuildFile): BuildRecord[] {
  const doc = parser.parse(file.content) as XmlNode;
  const update = doc.record_update as XmlNode | undefined;
  if (!update || typeof update !== 'object') return [];
  const records: BuildRecord[] = [];
  for (const [table, value] of Object.entries(update)) {
    if (table.startsWith('@_') || table === '#text') continue;
    for (const node of (Array.isArray(value) ? value : [value]) as XmlNode[]) {
      if ('sys_id' in node) {
        records.push(toRecord(table, node, file.path));
        continue;
      }
      // A composite: its children are the records.
      for (const [childTable, childValue] of Object.entries(node)) {
        if (childTable.startsWith('@_') || childTable === '#text') continue;
        for (const child of (Array.isArray(childValue) ? childValue : [childValue]) as XmlNode[]) {
          if (child && typeof child === 'object') records.push(toRecord(childTable, child, file.path));
        }
      }
    }
  }
  for (const record of records) {
    if (record.action !== 'delete_multiple' && !/^[0-9a-f]{32}$/.test(record.sysId)) {
      throw new AppBuildError(`${file.path}: a ${record.table} record has no valid sys_id`);
    }
  }
  return records;
}

function parseDictionary(file: BuildFile): BuildTable[] {
  const doc = parser.parse(file.content) as XmlNode;
  const database = doc.database as XmlNode | undefined;
  const tables = (database?.element as XmlNode[] | undefined) ?? [];
  return tables.map((tableNode) => {
    const attributes = attributesOf(tableNode);
    const columns = ((tableNode.element as XmlNode[] | undefined) ?? []).map((columnNode) => {
      const a = attributesOf(columnNode);
      const choiceNode = columnNode.choice as XmlNode | undefined;
      const choices = ((choiceNode?.element as XmlNode[] | undefined) ?? []).map((c) => {
        const ca = attributesOf(c);
        return { value: ca.value ?? '', label: ca.label ?? ca.value ?? '', sequence: Number(ca.sequence ?? 0) };
      });
      return {
        name: a.name ?? '',
        type: a.type ?? 'string',
        label: a.label ?? a.name ?? '',
        maxLength: a.max_length ? Number(a.max_length) : null,
        mandatory: a.mandatory === 'true',
        readOnly: a.read_only === 'true',
        defaultValue: a.default_value ?? '',
        reference: a.reference ?? '',
        choices,
        attributes: a,
      };
    });
    const indexes = ((tableNode.index as XmlNode[] | undefined) ?? []).map((indexNode) => {
      const ia = attributesOf(indexNode);
      const elements = (indexNode.element as XmlNode[] | undefined) ?? [];
      return { name: ia.name ?? '', unique: ia.unique === 'true', columns: elements.map((e) => attributesOf(e).name ?? '') };
    });
    return {
      name: attributes.name ?? '',
      label: attributes.label ?? attributes.name ?? '',
      extends: attributes.extends ?? attributes.super_class ?? '',
      columns,
      indexes,
      attributes,
    };
  });
}

export function parseAppBuild(files: BuildFile[]): AppBuild {
  const records: BuildRecord[] = [];
  const tables: BuildTable[] = [];
  let app: BuildRecord | null = null;
  for (const file of files) {
    const relative = file.path.replace(/^\/+/, '');
    if (!relative.endsWith('.xml')) continue;
    if (relative.startsWith('dictionary/')) {
      tables.push(...parseDictionary({ ...file, path: relative }));
      continue;
    }
    for (const record of parseRecords({ ...file, path: relative })) {
      if (relative.startsWith('scope/') && record.table === 'sys_app') app = record;
      else records.push(record);
    }
  }
  if (!app) throw new AppBuildError('no scope/sys_app_<id>.xml: this is not the output of now-sdk build');
  return {
    app,
    records,
    tables,
    recordsOf: (table) => records.filter((r) => r.table === table),
  };
}

/** Reads dist/app (or any directory with the same layout). */
export function readAppBuildDir(dir: string): AppBuild {
  if (!fs.existsSync(path.join(dir, 'scope'))) {
    throw new AppBuildError(`${dir} has no scope/ folder: run \`npm run build\` (now-sdk build) first`);
  }
  const files: BuildFile[] = [];
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.xml')) files.push({ path: path.relative(dir, full).split(path.sep).join('/'), content: fs.readFileSync(full, 'utf8') });
    }
  };
  walk(dir);
  files.sort((a, b) => a.path.localeCompare(b.path));
  return parseAppBuild(files);
}
