import fs from 'node:fs';
import path from 'node:path';

/**
 * docs/platform-apis.md lists every platform API the app's code calls, each with its public source.
 * This scans src/server for Glide calls and fails on one the inventory does not list, or on a row
 * that names no source.
 */

const ROOT = path.resolve(__dirname, '../..');
const GLIDE = path.join(ROOT, 'node_modules/@servicenow/glide/src');
const INVENTORY = fs.readFileSync(path.join(ROOT, 'docs/platform-apis.md'), 'utf8');

/** The Glide classes whose methods the app may call, from @servicenow/glide's declarations. */
const CLASSES: Record<string, string> = {
  GlideRecord: 'types/GlideRecord.d.ts',
  GlideAggregate: 'types/GlideAggregate.d.ts',
  GlideElement: 'types/GlideElement.d.ts',
  GlideDateTime: 'types/GlideDateTime.d.ts',
  CertificateEncryption: 'types/CertificateEncryption.d.ts',
  RESTMessageV2: 'sn_ws/RESTMessageV2.d.ts',
  RESTResponseV2: 'sn_ws/RESTResponseV2.d.ts',
  RESTAPIRequest: 'sn_ws_int/RESTAPIRequest.d.ts',
  RESTAPIRequestBody: 'sn_ws_int/RESTAPIRequestBody.d.ts',
  RESTAPIResponse: 'sn_ws_int/RESTAPIResponse.d.ts',
  ServiceError: 'sn_ws_err/ServiceError.d.ts',
};

function methodsOf(file: string): Set<string> {
  const text = fs.readFileSync(path.join(GLIDE, file), 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/^\s+(?:static\s+)?([A-Za-z_]\w*)\s*(?:<[^()]*>)?\(/gm)) if (m[1] !== 'constructor') names.add(m[1]!);
  return names;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"])\/\/.*$/gm, '$1');
}

/** The API names of the inventory's table rows (first cell's code spans), and each row's Source cell. */
function inventoryRows(): Array<{ apis: string[]; source: string; line: string }> {
  const rows: Array<{ apis: string[]; source: string; line: string }> = [];
  let header: string[] | null = null;
  for (const line of INVENTORY.split('\n')) {
    if (!line.startsWith('|')) {
      header = null;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (!header) {
      header = cells;
      continue;
    }
    if (cells.every((c) => /^-+$/.test(c))) continue;
    const apis = [...cells[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/^new\s+/, '').replace(/\(.*$/, '').replace(/^sn_ws(_err)?\./, ''));
    rows.push({ apis, source: cells[header.indexOf('Source')] ?? '', line });
  }
  return rows;
}

const rows = inventoryRows();
const listed = new Set(rows.flatMap((r) => r.apis));
const references = new Map([...INVENTORY.matchAll(/^\[([^\]]+)\]:\s*(\S+)/gm)].map((m) => [m[1]!, m[2]!]));

interface Call {
  api: string;
  where: string;
}

/** Every Glide call in src/server: gs.*, constructors of Glide classes, their methods, request.body.data. */
function glideCalls(): Call[] {
  const methods = Object.entries(CLASSES).map(([cls, file]) => [cls, methodsOf(file)] as const);
  const calls: Call[] = [];
  for (const file of sourceFiles(path.join(ROOT, 'src/server'))) {
    const code = withoutComments(fs.readFileSync(file, 'utf8'));
    const where = path.relative(ROOT, file);
    for (const m of code.matchAll(/\bgs\.(\w+)\s*\(/g)) calls.push({ api: `gs.${m[1]}`, where });
    for (const m of code.matchAll(/\bnew\s+(?:sn_ws(?:_err)?\.)?(\w+)\s*\(/g)) if (m[1]! in CLASSES || m[1] === 'GlideCertificateEncryption') calls.push({ api: m[1]!, where });
    if (/\.body\.data\b/.test(code)) calls.push({ api: 'RESTAPIRequest.body.data', where });
    // Methods of JavaScript's own globals (Array.isArray, JSON.parse…) are not Glide calls.
    for (const m of code.matchAll(/(?<!\b(?:Array|Object|JSON|Math|String|Number|Date))\.(\w+)\s*\(/g)) {
      const owners = methods.filter(([, names]) => names.has(m[1]!)).map(([cls]) => `${cls}.${m[1]}`);
      // A method name no Glide class declares is the app's own or JavaScript's.
      if (owners.length > 0) calls.push({ api: owners.find((o) => listed.has(o)) ?? owners.join(' or '), where });
    }
  }
  return calls;
}

describe('docs/platform-apis.md', () => {
  it('lists every Glide call in src/server', () => {
    const calls = glideCalls();
    expect(calls.length).toBeGreaterThan(50);
    const missing = [...new Set(calls.filter((c) => !listed.has(c.api)).map((c) => `${c.api} (${c.where})`))];
    expect(missing).toEqual([]);
  });

  it('finds the calls it must: the scan is not blind to the app code', () => {
    const found = new Set(glideCalls().map((c) => c.api));
    for (const api of ['gs.getProperty', 'gs.setProperty', 'GlideRecord.addQuery', 'GlideAggregate.groupBy', 'GlideAggregate.getAggregate', 'GlideElement.getDecryptedValue', 'GlideElement.setDisplayValue', 'CertificateEncryption.generateMac', 'RESTMessageV2.setHttpTimeout', 'RESTResponseV2.getStatusCode', 'RESTAPIResponse.setError', 'ServiceError.setDetail', 'RESTAPIRequest.body.data', 'GlideDateTime.getNumericValue']) {
      expect(found).toContain(api);
    }
  });

  it('gives every row a source: a ServiceNow documentation page or a Now SDK file that exists', () => {
    expect(rows.length).toBeGreaterThan(40);
    const unsourced: string[] = [];
    for (const row of rows) {
      const labels = [...row.source.matchAll(/\]\[([^\]]+)\]/g)].map((m) => m[1]!);
      const targets = labels.map((l) => references.get(l));
      if (labels.length === 0 || targets.some((t) => t === undefined)) unsourced.push(row.line);
    }
    expect(unsourced).toEqual([]);
    for (const [label, target] of references) {
      if (target.startsWith('https://')) expect(target).toMatch(/^https:\/\/www\.servicenow\.com\/docs\//);
      else expect({ label, exists: fs.existsSync(path.resolve(ROOT, 'docs', target)) }).toEqual({ label, exists: true });
    }
  });
});
