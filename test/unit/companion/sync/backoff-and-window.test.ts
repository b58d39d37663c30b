import fc from 'fast-check';
import { backoffDelayMs } from '../../../../src/server/lib/backoff';
import { DEFAULT_OUTBOUND_BACKOFF } from '../../../../src/companion/sync/sync-timings';
import { advanceCursor, glideToMs, isInWindow, polledJournalEventId, polledRecordEventId, pollLowerBound } from '../../../../src/companion/sync/poll-window';
import { isoToGlide } from '../../../../src/companion/sync/servicenow-record';

describe('outbound retry delays', () => {
  it('grow exponentially with jitter in [cap/2, cap], capped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (failures, random) => {
        const cap = Math.min(DEFAULT_OUTBOUND_BACKOFF.maxMs, DEFAULT_OUTBOUND_BACKOFF.baseMs * 2 ** (failures - 1));
        const delay = backoffDelayMs(DEFAULT_OUTBOUND_BACKOFF, failures, () => random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(cap / 2));
        expect(delay).toBeLessThanOrEqual(cap);
      }),
    );
    expect(backoffDelayMs({ baseMs: 1000, maxMs: 60_000 }, 1, () => 0)).toBe(500);
    expect(backoffDelayMs({ baseMs: 1000, maxMs: 60_000 }, 4, () => 0.5)).toBe(6000);
    expect(backoffDelayMs({ baseMs: 1000, maxMs: 60_000 }, 30, () => 0.99)).toBeLessThanOrEqual(60_000);
  });
});

describe('the polling cursor and its overlap window', () => {
  const glideArb = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => isoToGlide(d));

  it('starts a run at the cursor minus the overlap (or now minus the overlap the first time)', () => {
    expect(pollLowerBound('2026-01-01 10:00:00', new Date('2026-01-01T12:00:00Z'), 120_000)).toBe('2026-01-01 09:58:00');
    expect(pollLowerBound(null, new Date('2026-01-01T12:00:00Z'), 60_000)).toBe('2026-01-01 11:59:00');
  });

  it('never moves the cursor back, and reaches the newest timestamp read', () => {
    fc.assert(
      fc.property(fc.option(glideArb, { nil: null }), fc.array(glideArb), (cursor, seen) => {
        const next = advanceCursor(cursor, seen);
        if (cursor !== null) expect(next! >= cursor).toBe(true);
        for (const s of seen) expect(next! >= s).toBe(true);
        if (next !== null) expect([cursor, ...seen]).toContain(next);
      }),
    );
  });

  it('a change committed late with a timestamp up to the overlap behind the cursor is read by the next run; an older one is not', () => {
    fc.assert(
      fc.property(glideArb, fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 1200 }), (cursor, overlapSeconds, behindSeconds) => {
        const stamped = isoToGlide(new Date(glideToMs(cursor) - behindSeconds * 1000));
        expect(isInWindow(stamped, cursor, new Date(), overlapSeconds * 1000)).toBe(behindSeconds <= overlapSeconds);
      }),
    );
  });

  it('identifies a polled version by (sys_id, sys_mod_count) and a journal entry by its sys_id', () => {
    expect(polledRecordEventId('a'.repeat(32), 3)).toBe(`poll:incident:${'a'.repeat(32)}:3`);
    expect(polledRecordEventId('a'.repeat(32), 3)).not.toBe(polledRecordEventId('a'.repeat(32), 4));
    expect(polledJournalEventId('b'.repeat(32))).toBe(`poll:journal:${'b'.repeat(32)}`);
  });
});
