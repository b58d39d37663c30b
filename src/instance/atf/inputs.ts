import { IncidentSnError } from '../../shared/errors';
/**
 * Reading a step's inputs as the platform stores them: `{{step['<step sys_id>'].<output>}}` references
 * to an earlier step's outputs (what `now-sdk build` writes for `inserted.record_id`), and the
 * template values of record steps (`short_description=Disk full^impact=2^EQ`).
 */

export class StepInputError extends IncidentSnError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'atf_step_input_invalid', ...options });
  }
}

const STEP_REFERENCE = /\{\{\s*step\[\s*(['"])([0-9a-f]{32})\1\s*\]\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Outputs of the steps run so far, by step sys_id. */
export type StepOutputs = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** Replaces every step-output reference in `value`; a reference to a step or output that has none is an error. */
export function resolveReferences(value: string, outputs: StepOutputs, stepNames: ReadonlyMap<string, string>): string {
  return value.replace(STEP_REFERENCE, (_whole, _quote: string, stepId: string, output: string) => {
    const produced = outputs.get(stepId);
    const name = stepNames.get(stepId) ?? `step ${stepId}`;
    if (!produced) throw new StepInputError(`refers to output "${output}" of ${name}, which has not run (steps run in execution order)`);
    const resolved = produced[output];
    if (resolved === undefined) {
      throw new StepInputError(`refers to output "${output}" of ${name}, which has none (it has: ${Object.keys(produced).join(', ') || 'no outputs'})`);
    }
    return resolved;
  });
}

/**
 * A template value as field → value. Conditions are separated by `^` (a literal `^` is `^^`),
 * each `field=value`; the template ends with `EQ`.
 */
export function parseTemplate(template: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const part of splitConditions(template)) {
    if (part === '' || part === 'EQ') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new StepInputError(`field values: "${part}" is not field=value`);
    const field = part.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new StepInputError(`field values: "${field}" is not a field name`);
    values[field] = part.slice(eq + 1);
  }
  return values;
}

function splitConditions(template: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '^' && template[i + 1] === '^') {
      current += '^';
      i++;
    } else if (c === '^') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** A boolean input as the build writes it ('1'/'0', 'true'/'false'); empty gives the default. */
export function booleanInput(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return value === '1' || value.toLowerCase() === 'true';
}

/** A JSON object input (headers, query parameters) as string pairs; empty is {}. */
export function objectInput(value: string | undefined, name: string): Record<string, string> {
  if (value === undefined || value.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new StepInputError(`${name} is not JSON: ${value}`, { cause: err });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new StepInputError(`${name} must be a JSON object of names to values`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) out[k] = String(v);
  return out;
}
