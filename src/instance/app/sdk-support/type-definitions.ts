import type { GlideApis } from '../../runtime/glide';

/**
 * TypeScript declarations of the Glide APIs this instance's runtime provides, in the form the
 * platform's `/api/now/syntax_editor/completions` answers (global `declare` statements, which
 * `now-sdk dependencies` cleans up and writes to glide.server.d.ts). Generated from the runtime's
 * own globals, so they list exactly what a script can call here; parameters are untyped.
 */
export function glideTypeDefinitions(apis: GlideApis): string {
  const out: string[] = [];
  for (const [name, value] of Object.entries(apis.globals).sort(([a], [b]) => a.localeCompare(b))) {
    if (!IDENTIFIER.test(name)) continue;
    if (typeof value === 'function') out.push(`declare ${classDeclaration(name, value)}`);
    else if (isNamespace(value)) out.push(namespaceDeclaration(name, value));
    else if (value && typeof value === 'object') out.push(`declare const ${name}: {\n${members(value).map((m) => `  ${m}(...args: any[]): any;`).join('\n')}\n};`);
  }
  return `${out.join('\n\n')}\n`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function isNamespace(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && Object.values(value as object).length > 0 && Object.values(value as object).every((v) => typeof v === 'function');
}

function members(target: object): string[] {
  return Object.getOwnPropertyNames(target)
    .filter((m) => m !== 'constructor' && IDENTIFIER.test(m) && !m.startsWith('_'))
    .filter((m) => typeof Object.getOwnPropertyDescriptor(target, m)?.value === 'function')
    .sort();
}

function classDeclaration(name: string, cls: unknown): string {
  const proto = (cls as { prototype?: object }).prototype ?? {};
  const methods = members(proto).map((m) => `  ${m}(...args: any[]): any;`);
  return `class ${name} {\n  constructor(...args: any[]);\n${methods.join('\n')}${methods.length ? '\n' : ''}}`;
}

function namespaceDeclaration(name: string, ns: Record<string, unknown>): string {
  const classes = Object.entries(ns)
    .filter(([member]) => IDENTIFIER.test(member))
    .map(([member, cls]) => classDeclaration(member, cls).replace(/^/gm, '  '));
  return `declare namespace ${name} {\n${classes.join('\n')}\n}`;
}
