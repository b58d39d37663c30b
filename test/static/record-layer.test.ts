import fs from 'node:fs';
import path from 'node:path';

// The local instance's database belongs to its record layer (src/instance/records, on the storage
// under src/instance/db). Security, the scheduler, the installer, the runtime and the HTTP routes ask
// the engine's narrow methods; none of them holds the connection or writes SQL. This test reads the
// sources and fails on any file outside the record layer that does.

const ROOT = path.resolve(__dirname, '../..');
const INSTANCE = path.join(ROOT, 'src/instance');

/** The record layer, and the one file outside it allowed to produce SQL text (it never runs any). */
const RECORD_LAYER = ['src/instance/records/', 'src/instance/db/'];
const SQL_TEXT_ALLOWED = new Set([
  // Compiles encoded queries into SQL fragments for records/store/row-store.ts, which runs them.
  'src/instance/query/sql.ts',
]);

const RULES: Array<{ name: string; pattern: RegExp }> = [
  { name: 'imports the SQLite driver', pattern: /from\s+['"]better-sqlite3['"]|require\(\s*['"]better-sqlite3['"]\s*\)/ },
  { name: 'uses the connection type or opens a database', pattern: /\b(SqliteDatabase|OpenedDatabase|openDatabase)\b/ },
  { name: "reaches the engine's connection or row store", pattern: /\b(engine|instance|ctx|context)\s*\??\.\s*(db|store)(?![\w'"`])|\[\s*['"](db|store)['"]\s*\]/ },
  { name: 'prepares or executes a statement', pattern: /\.\s*(prepare|pragma)\s*(<[^>]*>)?\s*\(|\.\s*exec\s*\(\s*[`'"]/ },
  {
    name: 'writes SQL',
    pattern: /\bSELECT\b[^;]*\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+["\w]+\s+SET\b|\bDELETE\s+FROM\b|\b(CREATE|DROP|ALTER)\s+(UNIQUE\s+)?(TABLE|INDEX)\b|\bPRAGMA\b/,
  },
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Comments removed (they may name SQL or the old handles when they explain why not). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function violations(relativePath: string, source: string): string[] {
  const lines = code(source).split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    for (const rule of RULES) {
      if (rule.name === 'writes SQL' && SQL_TEXT_ALLOWED.has(relativePath)) continue;
      if (rule.pattern.test(line)) out.push(`${relativePath}:${i + 1} ${rule.name}: ${line.trim()}`);
    }
  });
  return out;
}

describe('the record layer owns the database', () => {
  it('no file of the local instance outside the record layer touches the connection or runs SQL', () => {
    const outside = sourceFiles(INSTANCE)
      .map((file) => path.relative(ROOT, file).split(path.sep).join('/'))
      .filter((rel) => !RECORD_LAYER.some((prefix) => rel.startsWith(prefix)));
    expect(outside.length).toBeGreaterThan(40);
    const found = outside.flatMap((rel) => violations(rel, fs.readFileSync(path.join(ROOT, rel), 'utf8')));
    expect(found).toEqual([]);
  });

  it('the record layer is where the SQL is (the check would see it elsewhere)', () => {
    const store = fs.readFileSync(path.join(INSTANCE, 'records/store/row-store.ts'), 'utf8');
    expect(violations('src/instance/security/example.ts', store).length).toBeGreaterThan(3);
  });

  it.each([
    ['engine.db.prepare(`SELECT 1`)', "reaches the engine's connection or row store"],
    ["this.engine.store.prepare('x')", "reaches the engine's connection or row store"],
    ["(engine as any)['db'].exec('DROP TABLE x')", "reaches the engine's connection or row store"],
    ["import Database from 'better-sqlite3';", 'imports the SQLite driver'],
    ['function f(db: SqliteDatabase) {}', 'uses the connection type or opens a database'],
    ['handle.exec(`CREATE INDEX i ON t (c)`);', 'prepares or executes a statement'],
    ["const sql = 'DELETE FROM \"sys_trigger\" WHERE sys_id = ?';", 'writes SQL'],
    ['const q = `UPDATE "sys_trigger" SET state = ?`;', 'writes SQL'],
    ["const q = 'SELECT name FROM sys_user';", 'writes SQL'],
  ])('flags %s', (line, rule) => {
    expect(violations('src/instance/security/example.ts', line).join('\n')).toContain(rule);
  });

  it('leaves alone what only looks alike (a regular expression, a comment, the CLI --db option, engine.dbFile)', () => {
    const source = [
      'const m = /^(\\d+):(\\d{2})$/.exec(text);',
      '// engine.db is private: SELECT … FROM is the record layer’s business',
      'const file = options.db;',
      'worker.postMessage({ dbFile: engine.dbFile });',
      "engine.transaction(() => engine.update('incident', id, { state: '7' }));",
    ].join('\n');
    expect(violations('src/instance/scheduler/example.ts', source)).toEqual([]);
  });
});
