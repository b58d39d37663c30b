import { randomUUID } from 'node:crypto';

/** Value formats of the platform: every value is a string; empty means "no value". */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD HH:MM:SS` in UTC, the format the Table API returns. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function formatDate(ms: number): string {
  return formatDateTime(ms).slice(0, 10);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch milliseconds of a platform or ISO date-time (no zone means UTC), or null when unreadable. */
export function parseDateTime(value: string): number | null {
  const m = DATE_TIME.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return null;
  const check = new Date(ms);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return null;
  }
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

export function normalizeBoolean(value: string): 'true' | 'false' | null {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return 'true';
  if (v === 'false' || v === '0' || v === 'no') return 'false';
  return null;
}

export function normalizeInteger(value: string): string | null {
  const v = value.trim().replace(/,/g, '');
  if (!/^[+-]?\d+(\.\d+)?$/.test(v)) return null;
  const n = Math.trunc(Number(v));
  return Number.isFinite(n) ? String(n) : null;
}

export function normalizeDecimal(value: string): string | null {
  const v = value.trim().replace(/,/g, '');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(v)) return null;
  return String(Number(v));
}

/**
 * The stored form of a value for a column type, or null when the value does not fit the type
 * (the caller decides whether that is an error or an empty value). Empty stays empty.
 */
export function normalizeForType(type: string, value: string): string | null {
  if (value === '') return '';
  switch (type) {
    case 'boolean':
      return normalizeBoolean(value);
    case 'integer':
    case 'longint':
      return normalizeInteger(value);
    case 'decimal':
    case 'float':
      return normalizeDecimal(value);
    case 'glide_date_time': {
      const ms = parseDateTime(value);
      return ms === null ? null : formatDateTime(ms);
    }
    case 'glide_date': {
      const ms = parseDateTime(value);
      return ms === null ? null : formatDate(ms);
    }
    default:
      return value;
  }
}

/** A new sys_id: 32 lower-case hex characters. */
export function newSysId(): string {
  return randomUUID().replace(/-/g, '');
}

export function isSysId(value: string): boolean {
  return /^[0-9a-f]{32}$/i.test(value);
}

/** Any JSON value from a request body as the platform's string form. */
export function toStringValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'object' && value !== null && 'value' in value) return toStringValue((value as { value: unknown }).value);
  return JSON.stringify(value);
}

/** Integer display with thousands separators, as the platform shows integers. */
export function formatIntegerDisplay(value: string): string {
  if (!/^-?\d+$/.test(value)) return value;
  return Number(value).toLocaleString('en-US');
}
