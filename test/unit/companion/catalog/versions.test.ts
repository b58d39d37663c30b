import fc from 'fast-check';
import { compareVersions, decideVersion, type RecordVersion } from '../../../../src/companion/store/catalog-versions';

const arbVersion: fc.Arbitrary<RecordVersion> = fc.record({
  sysUpdatedOn: fc.integer({ min: 0, max: 30 }).map((s) => `2026-01-01 00:00:${String(s).padStart(2, '0')}`),
  sysModCount: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
});

describe('compareVersions', () => {
  it('orders by sys_mod_count when both have one, else by sys_updated_on', () => {
    expect(compareVersions({ sysUpdatedOn: '2026-01-01 00:00:00', sysModCount: 3 }, { sysUpdatedOn: '2026-01-01 00:00:09', sysModCount: 2 })).toBe(1);
    expect(compareVersions({ sysUpdatedOn: '2026-01-01 00:00:09', sysModCount: 2 }, { sysUpdatedOn: '2026-01-01 00:00:00', sysModCount: 2 })).toBe(1);
    expect(compareVersions({ sysUpdatedOn: '2026-01-01 00:00:00', sysModCount: null }, { sysUpdatedOn: '2026-01-01 00:00:09', sysModCount: 7 })).toBe(-1);
    expect(compareVersions({ sysUpdatedOn: '2026-01-01 00:00:05', sysModCount: 1 }, { sysUpdatedOn: '2026-01-01 00:00:05', sysModCount: 1 })).toBe(0);
  });

  it('is antisymmetric, and 0 only for the same counts and times', () => {
    fc.assert(
      fc.property(arbVersion, arbVersion, (a, b) => {
        expect(compareVersions(a, b) === -compareVersions(b, a)).toBe(true);
        if (compareVersions(a, b) === 0) expect(a.sysUpdatedOn).toBe(b.sysUpdatedOn);
        expect(compareVersions(a, a)).toBe(0);
      }),
    );
  });
});

describe('decideVersion', () => {
  const v = (second: number, count: number): RecordVersion => ({ sysUpdatedOn: `2026-01-01 00:00:${String(second).padStart(2, '0')}`, sysModCount: count });

  it('inserts what is not stored, updates with a newer version, leaves the same or an older one', () => {
    expect(decideVersion(v(1, 0), undefined)).toBe('insert');
    expect(decideVersion(v(2, 1), { ...v(1, 0), deleted: false })).toBe('update');
    expect(decideVersion(v(1, 0), { ...v(1, 0), deleted: false })).toBe('unchanged');
    expect(decideVersion(v(1, 0), { ...v(2, 1), deleted: false })).toBe('unchanged');
  });

  it('brings back a row marked deleted, whatever its version', () => {
    expect(decideVersion(v(1, 0), { ...v(1, 0), deleted: true })).toBe('update');
    expect(decideVersion(v(1, 0), { ...v(2, 1), deleted: true })).toBe('update');
  });

  it('never lets an older version replace a newer one, and storing twice changes nothing the second time', () => {
    fc.assert(
      fc.property(arbVersion, arbVersion, (incoming, stored) => {
        const decision = decideVersion(incoming, { ...stored, deleted: false });
        if (compareVersions(incoming, stored) <= 0) expect(decision).toBe('unchanged');
        else expect(decision).toBe('update');
        expect(decideVersion(incoming, { ...incoming, deleted: false })).toBe('unchanged');
      }),
    );
  });
});
