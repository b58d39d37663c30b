import fc from 'fast-check';
import { glideToIso, parseGlideDateTime, toGlideDateTime } from '../../../src/server/lib/time';

describe('date-time conversions', () => {
  it('formats epoch ms as the platform UTC form', () => {
    expect(toGlideDateTime(Date.UTC(2026, 0, 5, 3, 4, 5, 999))).toBe('2026-01-05 03:04:05');
  });

  it('parses the platform form and ISO 8601, and rejects anything else', () => {
    expect(parseGlideDateTime('2026-01-05 03:04:05')).toBe(Date.UTC(2026, 0, 5, 3, 4, 5));
    expect(parseGlideDateTime('2026-01-05T03:04:05Z')).toBe(Date.UTC(2026, 0, 5, 3, 4, 5));
    expect(parseGlideDateTime('2026-01-05T03:04:05.250Z')).toBe(Date.UTC(2026, 0, 5, 3, 4, 5, 250));
    for (const bad of ['', null, undefined, 'yesterday', '2026-01-05', '05/01/2026 03:04:05']) {
      expect(parseGlideDateTime(bad)).toBeNull();
    }
  });

  it('converts to ISO 8601 with Z, keeping empty values empty', () => {
    expect(glideToIso('2026-11-24 23:59:01')).toBe('2026-11-24T23:59:01Z');
    expect(glideToIso('')).toBe('');
  });

  it('round-trips any second between 1970 and 2200', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7258118400 }), (seconds) => {
        expect(parseGlideDateTime(toGlideDateTime(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });
});
