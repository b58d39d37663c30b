import type { RecordReader } from './glide-interfaces.ts';

/**
 * The fields among `fields` whose stored value differs between `previous` and `current`.
 * On insert (no previous record) these are the fields that have a value.
 */
export function changedFields(current: RecordReader, previous: RecordReader | null, fields: readonly string[]): string[] {
  const changed: string[] = [];
  for (const field of fields) {
    const now = current.getValue(field) || '';
    const before = previous ? previous.getValue(field) || '' : '';
    if (now !== before) changed.push(field);
  }
  return changed;
}

/**
 * True when `userName` is the configured integration user, whose changes are incident.io's own
 * writes and must not be pushed back (no echo). User names compare case-insensitively, as the
 * platform's login does. No integration user configured means nobody is excluded.
 */
export function isIntegrationUser(userName: string | null | undefined, integrationUser: string | null | undefined): boolean {
  const configured = (integrationUser || '').trim().toLowerCase();
  if (!configured) return false;
  return (userName || '').trim().toLowerCase() === configured;
}
