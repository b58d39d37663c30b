import type { ColumnMeta, Dictionary, TableMeta } from '../../db/dictionary';
import { DataPolicyError } from '../../errors';
import { SYSTEM_COLUMN_NAMES } from '../../schema/system-columns';
import { isEncrypted } from '../../security/crypto';
import { hashPasswordSync, isPasswordHash } from '../../security/passwords';
import type { WriteOptions } from '../engine';
import type { RecordOperation, RecordValues } from '../hooks';
import { applyPlatformRules, dataPolicyViolations } from '../platform-rules';
import type { Session } from '../session';
import { isSysId, normalizeForType, toStringValue } from '../values';

/** What turning input into stored values needs from the engine. */
export interface ValueContext {
  dictionary(): Dictionary;
  encrypt(clear: string): string;
  lookupReference(table: string, key: string, natural: boolean): string | null;
  platformProperty(name: string): string | undefined;
}

/**
 * Turns request input into stored values: unknown fields dropped, types normalised, references and
 * choices resolved from display values when asked, passwords hashed or encrypted. Journal fields are
 * returned apart (they are not columns of the row).
 */
export function normalizeInput(
  ctx: ValueContext,
  meta: TableMeta,
  input: Record<string, unknown>,
  options: WriteOptions,
): { values: RecordValues; journal: RecordValues } {
  const values: RecordValues = {};
  const journal: RecordValues = {};
  for (const [field, raw] of Object.entries(input)) {
    const column = meta.columns.get(field);
    if (!column) continue;
    if (field === 'sys_id' || field === 'sys_class_name') continue;
    // A restore (system fields given and kept, as the ATF rollback writes) may set the update count back.
    if (field === 'sys_mod_count' && !(options.allowSystemFields && options.suppressAutoSysFields)) continue;
    if (SYSTEM_COLUMN_NAMES.has(field) && !options.allowSystemFields) continue;
    if (column.type === 'collection') continue;
    const text = toStringValue(raw);
    if (column.type === 'journal_input' || column.type === 'journal') {
      if (text.trim() !== '') journal[field] = text;
      continue;
    }
    values[field] = normalizeValue(ctx, meta, column, text, options);
  }
  return { values, journal };
}

function normalizeValue(ctx: ValueContext, meta: TableMeta, column: ColumnMeta, text: string, options: WriteOptions): string {
  if (text === '') return '';
  switch (column.type) {
    case 'reference':
      if (isSysId(text) || !column.reference) return text;
      if (options.inputDisplayValue || options.naturalKeyReferences) return ctx.lookupReference(column.reference, text, Boolean(options.naturalKeyReferences)) ?? '';
      return text;
    case 'password2':
      return isEncrypted(text) ? text : ctx.encrypt(text);
    case 'password':
      return isPasswordHash(text) ? text : hashPasswordSync(text);
    default: {
      if (options.inputDisplayValue && ctx.dictionary().hasChoices(meta.name, column.name)) {
        const value = ctx.dictionary().choiceValue(meta.name, column.name, text);
        if (value !== undefined) return value;
      }
      return normalizeForType(column.type, text) ?? '';
    }
  }
}

/** Applies platform rules and data policies, then normalises values a rule may have changed. */
export function finishValues(ctx: ValueContext, meta: TableMeta, values: RecordValues, previous: RecordValues | null, session: Session, nowMs: number, operation: RecordOperation): RecordValues {
  const out: RecordValues = {};
  // for…in, not Object.entries: a record has up to a hundred fields, and this runs on every write.
  for (const field in values) {
    const value = values[field];
    const column = meta.columns.get(field);
    if (!column || !column.physical) continue;
    out[field] = typeof value === 'string' ? value : toStringValue(value);
    if (previous === null || out[field] !== previous[field]) {
      if (column.type === 'password2' && out[field] && !isEncrypted(out[field])) out[field] = ctx.encrypt(out[field]);
      else if (column.type !== 'reference' && column.type !== 'password' && column.type !== 'password2') out[field] = normalizeForType(column.type, out[field]) ?? '';
    }
  }
  applyPlatformRules({ table: meta, operation, current: out, previous, session, nowMs });
  if (meta.name === 'sys_properties' || meta.hierarchy.includes('sys_properties')) {
    if (out.type === 'password2' && out.value && !isEncrypted(out.value)) out.value = ctx.encrypt(out.value);
  }
  const missing = dataPolicyViolations(meta, out, ctx.platformProperty('glide.local.incident.close_info_mandatory') !== 'false');
  if (missing.length > 0) throw new DataPolicyError(missing);
  return out;
}

export function journalEntries(meta: TableMeta, values: RecordValues): RecordValues {
  const out: RecordValues = {};
  for (const field in values) {
    const value = values[field];
    const column = meta.columns.get(field);
    if (column && (column.type === 'journal_input' || column.type === 'journal') && value && value.trim() !== '') out[field] = value;
  }
  return out;
}
