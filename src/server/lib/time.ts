/** Conversions between epoch milliseconds, ServiceNow's UTC date-time strings and ISO 8601. */

function pad(n: number, width: number): string {
  let s = String(n);
  while (s.length < width) s = '0' + s;
  return s;
}

/** epoch ms → `YYYY-MM-DD HH:MM:SS` (UTC), the form GlideDateTime.getValue() and the Table API use. */
export function toGlideDateTime(ms: number): string {
  const d = new Date(ms);
  return (
    pad(d.getUTCFullYear(), 4) +
    '-' +
    pad(d.getUTCMonth() + 1, 2) +
    '-' +
    pad(d.getUTCDate(), 2) +
    ' ' +
    pad(d.getUTCHours(), 2) +
    ':' +
    pad(d.getUTCMinutes(), 2) +
    ':' +
    pad(d.getUTCSeconds(), 2)
  );
}

const GLIDE_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z?$/;

/** `YYYY-MM-DD HH:MM:SS` (UTC) or ISO 8601 with Z → epoch ms; null when it is neither. */
export function parseGlideDateTime(value: string | null | undefined): number | null {
  if (!value) return null;
  const m = GLIDE_DATE_TIME.exec(value.trim());
  if (!m) return null;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] ? +(m[7] + '00').slice(0, 3) : 0);
  return isNaN(ms) ? null : ms;
}

/** `YYYY-MM-DD HH:MM:SS` (UTC) → `YYYY-MM-DDTHH:MM:SSZ`; "" stays "". */
export function glideToIso(value: string | null | undefined): string {
  const ms = parseGlideDateTime(value);
  return ms === null ? '' : toGlideDateTime(ms).replace(' ', 'T') + 'Z';
}
