import fs from 'node:fs';
import path from 'node:path';
import { readAppBuildDir, type AppBuild, type BuildRecord } from '../../src/instance/app/app-build';
import { DIST_APP, ROOT } from '../helpers/build';

/**
 * The app's footprint outside its own scope, read from the real build output (dist/app): every record
 * is in the app's scope; the records that act on platform tables (not x_incident_io_*) are exactly the
 * ones listed here and named in the README; the scripts hard-code no sys_id, URL or credential. A new
 * record on a platform table fails this test until it is added here and to the README.
 */

const SCOPE = 'x_incident_io';
/** What the app adds to or runs on platform tables: the task ACLs the setup guide needs, and the rules that queue pushes (those on task for follow-ups in another table than incident). */
const PLATFORM_FOOTPRINT = [
  'business rule on incident: Queue incident change for incident.io',
  'business rule on incident: Queue incident deletion for incident.io',
  'business rule on sys_attachment: Queue incident attachment for incident.io',
  'business rule on sys_journal_field: Queue incident journal entry for incident.io',
  'business rule on task: Queue follow-up change for incident.io',
  'business rule on task: Queue follow-up deletion for incident.io',
  'record ACL on task: create',
  'record ACL on task: read',
  'record ACL on task: write',
];

let build: AppBuild;
beforeAll(() => {
  build = readAppBuildDir(DIST_APP);
});

const own = (name: string | undefined) => (name ?? '').startsWith(`${SCOPE}_`) || (name ?? '').startsWith(`${SCOPE}.`);

/** A description of what the record does outside the app's tables and names, or null when it stays inside. */
function platformFootprint(record: BuildRecord): string | null {
  const f = record.fields;
  switch (record.table) {
    case 'sys_security_acl':
      return f.type === 'record' && !own(f.name?.split('.')[0]) ? `record ACL on ${f.name}: ${f.operation}` : f.type !== 'record' && !own(f.name) ? `${f.type} ACL ${f.name}` : null;
    case 'sys_script':
      return own(f.collection) ? null : `business rule on ${f.collection}: ${f.name}`;
    case 'sys_ui_action':
      return own(f.table) ? null : `UI action on ${f.table}: ${f.name}`;
    case 'sys_db_object':
    case 'sys_dictionary':
    case 'sys_choice':
      return own(f.name) ? null : `${record.table} ${f.name}.${f.element ?? ''}`;
    case 'sys_properties':
    case 'sys_user_role':
      return own(f.name) ? null : `${record.table} ${f.name}`;
    case 'sys_ui_page':
      return own(f.endpoint) ? null : `UI page ${f.endpoint}`;
    case 'sys_app_module':
      return f.link_type === 'DIRECT' || own(f.name) || f.name === 'sys_properties' ? null : `module on ${f.name}`;
    default:
      return null;
  }
}

/** The code and text the instance runs: server modules and every script field. */
function scriptsOf(b: AppBuild): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  for (const m of b.recordsOf('sys_module')) if (!m.fields.path?.endsWith('.json')) out.push({ where: m.fields.path ?? m.sysId, text: m.fields.content ?? '' });
  for (const [table, field] of [['sys_script', 'script'], ['sysauto_script', 'script'], ['sys_ws_operation', 'operation_script'], ['sys_ui_action', 'script'], ['sys_ui_action', 'condition'], ['sys_ui_page', 'client_script'], ['sys_ui_page', 'html']] as const) {
    for (const r of b.recordsOf(table)) out.push({ where: `${table} ${r.fields.name ?? r.sysId}.${field}`, text: r.fields[field] ?? '' });
  }
  return out;
}

/** The code without its comments (they may show an example URL). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"])\/\/.*$/gm, '$1');
}

describe('the app outside its scope', () => {
  it('puts every record in its own scope', () => {
    const scopeId = build.app.sysId;
    const elsewhere = build.records.filter((r) => r.fields.sys_scope !== undefined && r.fields.sys_scope !== scopeId).map((r) => `${r.table} ${r.sysId}`);
    expect(elsewhere).toEqual([]);
  });

  it('acts on platform tables only through the records listed here', () => {
    const footprint = build.records.filter((r) => r.action !== 'delete_multiple').map(platformFootprint).filter((x): x is string => x !== null).sort();
    expect(footprint).toEqual(PLATFORM_FOOTPRINT);
  });

  it('names every one of those records in the README', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const name of [
      'Queue incident change for incident.io',
      'Queue incident deletion for incident.io',
      'Queue incident journal entry for incident.io',
      'Queue follow-up change for incident.io',
      'Queue follow-up deletion for incident.io',
    ]) {
      expect(readme).toContain(name);
    }
    expect(readme).toMatch(/task ACLs?[^\n]*create[^\n]*read[^\n]*write/i);
    expect(readme).toContain('Uninstalling leaves');
  });

  it('hard-codes no sys_id, host URL or credential in the code the instance runs', () => {
    const scripts = scriptsOf(build);
    expect(scripts.length).toBeGreaterThan(30);
    const findings: string[] = [];
    for (const { where, text } of scripts) {
      const body = code(text);
      for (const m of body.matchAll(/['"`][^'"`\n]*\b[0-9a-f]{32}\b[^'"`\n]*['"`]/g)) findings.push(`${where}: sys_id ${m[0]}`);
      for (const m of body.matchAll(/https?:\/\/[a-z0-9][\w.-]*/gi)) findings.push(`${where}: URL ${m[0]}`);
      for (const m of body.matchAll(/\b(password|passwd|secret|api_?key|token)\s*[:=]\s*['"`][^'"`\s]{6,}['"`]/gi)) findings.push(`${where}: credential ${m[0]}`);
      for (const m of body.matchAll(/\bBasic [A-Za-z0-9+/]{8,}={0,2}/g)) findings.push(`${where}: credential ${m[0]}`);
    }
    expect(findings).toEqual([]);
  });

  it('would catch a hard-coded URL and sys_id (the scan is not blind)', () => {
    const planted = `const url = 'https://acme.service-now.com/api'; const id = "0123456789abcdef0123456789abcdef"; // https://example.com in a comment is fine`;
    const body = code(planted);
    expect(body.match(/https?:\/\/[a-z0-9][\w.-]*/gi)).toEqual(['https://acme.service-now.com']);
    expect(body.match(/['"`][^'"`\n]*\b[0-9a-f]{32}\b[^'"`\n]*['"`]/g)).toHaveLength(1);
  });
});
