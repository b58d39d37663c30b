import { timeOrderedId } from '../../../../src/companion/store/time-ordered-id';

describe('timeOrderedId', () => {
  it('is a UUID of version 7 with the RFC 9562 variant, its first 48 bits the time in milliseconds', () => {
    const at = Date.UTC(2026, 11, 2, 3, 20, 0, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts ids made a millisecond apart in time order, and makes no two alike', () => {
    const start = Date.UTC(2026, 0, 1);
    const ids = Array.from({ length: 2_000 }, (_, i) => timeOrderedId(start + i));
    expect([...ids].sort()).toEqual(ids);
    const same = Array.from({ length: 10_000 }, () => timeOrderedId(start));
    expect(new Set(same).size).toBe(same.length);
  });
});
