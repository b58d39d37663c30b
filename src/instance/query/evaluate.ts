import { normalizeForType } from '../records/values';
import type { Condition, EncodedQuery, Term } from './ast';
import { isNumericType, resolveDynamicValues, type DynamicValueResolver } from './fields';

/**
 * Evaluates an encoded query against one record in memory, with the same semantics as the SQL the
 * compiler produces (an empty value behaves like SQL NULL; strings compare case-insensitively for
 * ASCII letters). Also evaluates VALCHANGES / CHANGESFROM / CHANGESTO, which need the previous
 * version of the record: this is the evaluator for business-rule filter conditions and ACL conditions.
 */
export interface EvaluationContext {
  /** The value of a (possibly dot-walked) field on the current record; null when the field does not exist. */
  value(path: string): string | null;
  /** The column type of the path's leaf; null when the field does not exist. */
  columnType(path: string): string | null;
  /** The value on the previous version of the record (absent: every previous value is empty, as on insert). */
  previousValue?(path: string): string | null;
  /** Property glide.invalid_query.returns_no_rows. */
  invalidReturnsNoRows?: boolean;
  /** Resolves `javascript:` values (gs.getUserID() …). */
  dynamicValue?: DynamicValueResolver;
}

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
const eq = (a: string, b: string): boolean => asciiLower(a) === asciiLower(b);

/** SQLite's CAST(x AS REAL): the longest numeric prefix, 0 when there is none. */
function castReal(v: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(v);
  return m ? Number(m[0]) : 0;
}

function compare(a: string, b: string, numeric: boolean): number {
  if (numeric) {
    const x = castReal(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = asciiLower(a);
  const y = asciiLower(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

type Outcome = boolean | 'invalid';

/** A value of the condition as the field's type stores it (as given when it does not parse). */
function normalized(type: string, x: string): string {
  return normalizeForType(type, x) ?? x;
}

/** The field's previous value ('' without one) and whether the value changed from it. */
function changeOf(ctx: EvaluationContext, field: string, v: string): { prev: string; changed: boolean } {
  const prev = ctx.previousValue ? (ctx.previousValue(field) ?? '') : '';
  return { prev, changed: prev !== v };
}

// Evaluated for every rule filter and ACL condition on every write: no closures or copies made per call.
function evaluateCondition(original: Condition, ctx: EvaluationContext): Outcome {
  const value = resolveDynamicValues(original.value, ctx.dynamicValue);
  const c: Condition = value === original.value ? original : { ...original, value };
  const type = ctx.columnType(c.field);
  const v = ctx.value(c.field);
  if (type === null || v === null) return 'invalid';
  const numeric = isNumericType(type);
  switch (c.operator) {
    case 'ANYTHING':
      return true;
    case 'ISEMPTY':
    case 'EMPTYSTRING':
      return v === '';
    case 'ISNOTEMPTY':
      return v !== '';
    case '=':
      return c.value === '' ? v === '' : v !== '' && eq(v, normalized(type, c.value));
    case '!=':
      return c.value === '' ? v !== '' : v !== '' && !eq(v, normalized(type, c.value));
    case 'LIKE':
      return v !== '' && asciiLower(v).includes(asciiLower(c.value));
    case 'NOT LIKE':
      return v !== '' && !asciiLower(v).includes(asciiLower(c.value));
    case 'STARTSWITH':
      return v !== '' && asciiLower(v).startsWith(asciiLower(c.value));
    case 'ENDSWITH':
      return v !== '' && asciiLower(v).endsWith(asciiLower(c.value));
    case 'IN':
    case 'NOT IN': {
      if (v === '') return false;
      const found = c.value.split(',').some((x) => eq(v, normalized(type, x.trim())));
      return c.operator === 'IN' ? found : !found;
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const target = normalized(type, c.value);
      if (numeric && (c.value.trim() === '' || !Number.isFinite(Number(target)))) return 'invalid';
      if (v === '') return false;
      const r = compare(v, target, numeric);
      return c.operator === '<' ? r < 0 : c.operator === '<=' ? r <= 0 : c.operator === '>' ? r > 0 : r >= 0;
    }
    case 'BETWEEN': {
      const at = c.value.indexOf('@');
      if (at < 0) return 'invalid';
      const low = normalized(type, c.value.slice(0, at));
      const high = normalized(type, c.value.slice(at + 1));
      if (numeric && (low === '' || high === '' || !Number.isFinite(Number(low)) || !Number.isFinite(Number(high)))) return 'invalid';
      if (v === '') return false;
      return compare(v, low, numeric) >= 0 && compare(v, high, numeric) <= 0;
    }
    case 'SAMEAS':
    case 'NSAMEAS': {
      const other = ctx.value(c.value);
      if (other === null || ctx.columnType(c.value) === null) return 'invalid';
      if (v === '' || other === '') return false;
      return c.operator === 'SAMEAS' ? eq(v, other) : !eq(v, other);
    }
    case 'VALCHANGES':
      return changeOf(ctx, c.field, v).changed;
    case 'CHANGESFROM': {
      const ch = changeOf(ctx, c.field, v);
      return ch.changed && eq(ch.prev, normalized(type, c.value));
    }
    case 'CHANGESTO': {
      const ch = changeOf(ctx, c.field, v);
      return ch.changed && eq(v, normalized(type, c.value));
    }
    default:
      return 'invalid';
  }
}

function evaluateTerm(t: Term, ctx: EvaluationContext): Outcome {
  return t.kind === 'invalid' ? 'invalid' : evaluateCondition(t, ctx);
}

/**
 * True when the record matches. An empty query matches everything. A group of OR terms whose only
 * valid terms are invalid is left out. Unless an invalid term anywhere makes the whole query match
 * nothing (glide.invalid_query.returns_no_rows), evaluation stops as soon as the outcome is known: at
 * the first true term of an OR group, the first false group of a segment, the first true segment.
 */
export function evaluateQuery(query: EncodedQuery, ctx: EvaluationContext): boolean {
  if (query.segments.length === 0) return true;
  const exhaustive = Boolean(ctx.invalidReturnsNoRows);
  let anyInvalid = false;
  let result = false;
  for (const segment of query.segments) {
    let segmentResult = true;
    for (const group of segment.groups) {
      let anyValid = false;
      let anyTrue = false;
      for (const term of group.terms) {
        const outcome = evaluateTerm(term, ctx);
        if (outcome === 'invalid') {
          anyInvalid = true;
          continue;
        }
        anyValid = true;
        if (outcome) {
          anyTrue = true;
          if (!exhaustive) break;
        }
      }
      if (anyValid && !anyTrue) {
        segmentResult = false;
        if (!exhaustive) break;
      }
    }
    if (segmentResult) {
      result = true;
      if (!exhaustive) break;
    }
  }
  if (anyInvalid && exhaustive) return false;
  return result;
}
