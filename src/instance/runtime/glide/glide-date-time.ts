import { formatDate, formatDateTime, parseDateTime } from '../../records/values';
import type { GlideHost } from './host';
import { withUnsupportedMembers } from './unsupported';

/**
 * GlideDateTime: a point in time with millisecond precision. Values are `YYYY-MM-DD HH:MM:SS` in UTC
 * (the stored form); the local instance has no time zones, so display values are UTC too.
 */
export class GlideDateTimeImpl {
  private ms: number;
  private valid = true;

  constructor(host: GlideHost, value?: unknown) {
    this.ms = host.engine.now();
    if (value instanceof GlideDateTimeImpl) this.ms = value.getNumericValue();
    else if (value !== undefined && value !== null && String(value) !== '') this.setValue(String(value));
  }

  getValue(): string {
    return this.valid ? formatDateTime(this.ms) : '';
  }
  setValue(value: unknown): void {
    if (typeof value === 'number') {
      this.setNumericValue(value);
      return;
    }
    const parsed = parseDateTime(String(value ?? ''));
    this.valid = parsed !== null;
    if (parsed !== null) this.ms = parsed;
  }
  setDisplayValue(value: unknown): void {
    this.setValue(value);
  }
  setValueUTC(value: unknown): void {
    this.setValue(value);
  }
  getDisplayValue(): string {
    return this.getValue();
  }
  getDisplayValueInternal(): string {
    return this.getValue();
  }
  getNumericValue(): number {
    return this.ms;
  }
  setNumericValue(ms: number): void {
    this.ms = Math.floor(Number(ms));
    this.valid = Number.isFinite(this.ms);
  }
  isValid(): boolean {
    return this.valid;
  }
  add(msOrDuration: unknown): void {
    this.ms += Number(msOrDuration);
  }
  addSeconds(seconds: number): void {
    this.ms += Number(seconds) * 1000;
  }
  addDaysUTC(days: number): void {
    this.ms += Number(days) * 86_400_000;
  }
  addDaysLocalTime(days: number): void {
    this.addDaysUTC(days);
  }
  addWeeksUTC(weeks: number): void {
    this.addDaysUTC(Number(weeks) * 7);
  }
  addMonthsUTC(months: number): void {
    const d = new Date(this.ms);
    d.setUTCMonth(d.getUTCMonth() + Number(months));
    this.ms = d.getTime();
  }
  addYearsUTC(years: number): void {
    this.addMonthsUTC(Number(years) * 12);
  }
  before(other: GlideDateTimeImpl): boolean {
    return this.ms < other.getNumericValue();
  }
  after(other: GlideDateTimeImpl): boolean {
    return this.ms > other.getNumericValue();
  }
  onOrBefore(other: GlideDateTimeImpl): boolean {
    return this.ms <= other.getNumericValue();
  }
  onOrAfter(other: GlideDateTimeImpl): boolean {
    return this.ms >= other.getNumericValue();
  }
  compareTo(other: GlideDateTimeImpl): number {
    return Math.sign(this.ms - other.getNumericValue());
  }
  equals(other: GlideDateTimeImpl): boolean {
    return this.ms === other.getNumericValue();
  }
  getDate(): string {
    return formatDate(this.ms);
  }
  getYearUTC(): number {
    return new Date(this.ms).getUTCFullYear();
  }
  getMonthUTC(): number {
    return new Date(this.ms).getUTCMonth() + 1;
  }
  getDayOfMonthUTC(): number {
    return new Date(this.ms).getUTCDate();
  }
  getDayOfWeekUTC(): number {
    // The platform counts Monday as 1 … Sunday as 7.
    const day = new Date(this.ms).getUTCDay();
    return day === 0 ? 7 : day;
  }
  getTZOffset(): number {
    return 0;
  }
  toString(): string {
    return this.getValue();
  }
}

/** The GlideDateTime constructor scripts see (unknown members name themselves). */
export function glideDateTimeClass(host: GlideHost): new (value?: unknown) => GlideDateTimeImpl {
  function GlideDateTime(value?: unknown): GlideDateTimeImpl {
    return withUnsupportedMembers(new GlideDateTimeImpl(host, value), 'GlideDateTime');
  }
  GlideDateTime.prototype = GlideDateTimeImpl.prototype;
  return GlideDateTime as unknown as new (value?: unknown) => GlideDateTimeImpl;
}
