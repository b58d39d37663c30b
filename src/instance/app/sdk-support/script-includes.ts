import { queryCondition } from '../../query';
import type { InstanceEngine } from '../../records/engine';

/** `{ "<api name>": "<sys_id>" }` of the active script includes (global ones as `global.<name>`). */
export function scriptIncludeRegistry(engine: InstanceEngine): Record<string, string> {
  const out: Record<string, string> = {};
  for (const record of engine.query('sys_script_include', { query: `${queryCondition('active', '=', 'true')}^ORDERBYname` }).records) {
    const name = record.values.name ?? '';
    const apiName = record.values.api_name || `global.${name}`;
    if (name) out[apiName] = record.sysId;
  }
  return out;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** `name: function (` members of a Class.create() prototype. */
const METHOD = /(?:^|[,{\s])([A-Za-z_$][\w$]*)\s*:\s*function\b/g;

/**
 * A declaration of one script include for the SDK's type generation: a class with the methods its
 * prototype declares (found in the script text), parameters untyped.
 */
export function scriptIncludeDeclaration(engine: InstanceEngine, sysId: string): string {
  const record = engine.get('sys_script_include', sysId);
  const name = record?.values.name ?? '';
  if (!record || !IDENTIFIER.test(name)) return '';
  const methods = new Set<string>();
  for (const match of (record.values.script ?? '').matchAll(METHOD)) if (match[1] !== 'initialize' && !match[1].startsWith('_')) methods.add(match[1]);
  const body = [...methods].sort().map((m) => `  ${m}(...args: any[]): any;`);
  return `declare class ${name} {\n  constructor(...args: any[]);\n${body.join('\n')}${body.length ? '\n' : ''}}`;
}
