import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

// Lint and type errors fail `npm test` like any other test. Both run as child processes, as a
// developer runs them (eslint's flat config is an ES module, which jest's sandbox cannot import).
// tsc over the whole project takes a minute alone and several while the rest of the suite runs on 2 cores.
jest.setTimeout(360_000);

async function output(args: string[], input?: string): Promise<string> {
  const child = run(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return child.then(
    (r) => r.stdout,
    (err: { stdout?: string }) => err.stdout ?? String(err),
  );
}

type EslintResult = { filePath: string; messages: { line: number; column: number; ruleId: string | null; message: string }[] };

async function eslint(args: string[], input?: string): Promise<EslintResult[]> {
  return JSON.parse(await output([path.join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', ...args], input));
}

describe('static checks', () => {
  it('eslint reports no problems (incl. the SDK rules for instance code in src/server)', async () => {
    const results = await eslint(['.']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${path.relative(ROOT, r.filePath)}:${m.line}:${m.column} ${m.ruleId ?? ''} ${m.message}`));
    expect(problems).toEqual([]);
  });

  it('the SDK lint rules do refuse Node APIs and promises in instance code', async () => {
    const source = "import fs from 'fs';\nexport const x = () => fs.readFileSync('/etc/passwd');\nexport const y = new Promise(() => {});\n";
    const [result] = await eslint(['--stdin', '--stdin-filename', 'src/server/lib/example.ts'], source);
    const rules = result!.messages.map((m) => m.ruleId);
    expect(rules).toContain('@servicenow/sdk-app-plugin/no-unsupported-node-builtins');
    expect(rules).toContain('@servicenow/sdk-app-plugin/no-promise');
  });

  it.each([
    ['node code and tests', 'tsconfig.json'],
    ['instance code (no Node or DOM types)', 'src/server/tsconfig.json'],
  ])('TypeScript finds no errors in %s', async (_name, project) => {
    expect(await output([path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project, '--noEmit'])).toBe('');
  });
});
