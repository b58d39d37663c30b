import fc from 'fast-check';
import {
  compareKeys,
  formatServiceNowTime,
  nextPosition,
  pageQuery,
  parseServiceNowTime,
  startPosition,
  windowStart,
  type PagePosition,
  type RowKey,
} from '../../../../src/companion/catalog/paging';
import { CatalogPagingError } from '../../../../src/companion/catalog/errors';
import type { CatalogRecordVersion } from '../../../../src/companion/store/catalog-store';

const BASE = Date.UTC(2026, 0, 1);

function key(second: number, id: number): RowKey {
  return { sysUpdatedOn: formatServiceNowTime(BASE + second * 1000), sysId: id.toString(16).padStart(32, '0') };
}

function version(k: RowKey): CatalogRecordVersion {
  return { sysId: k.sysId, sysUpdatedOn: k.sysUpdatedOn, sysModCount: 0 };
}

describe('ServiceNow times', () => {
  it('parses and formats YYYY-MM-DD HH:MM:SS in UTC', () => {
    expect(parseServiceNowTime('2026-11-24 09:15:02')).toBe(Date.UTC(2026, 10, 24, 9, 15, 2));
    expect(formatServiceNowTime(Date.UTC(2026, 10, 24, 9, 15, 2, 999))).toBe('2026-11-24 09:15:02');
  });

  it('refuses what is not such a time', () => {
    for (const text of ['', '2026-11-24T09:15:02Z', '2026-11-24 9:15:02', '2026-02-30 00:00:00', '2026-11-24 24:00:00', ' 2026-11-24 09:15:02']) {
      expect([text, parseServiceNowTime(text)]).toEqual([text, undefined]);
    }
  });

  it('round-trips every whole second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799 }), (seconds) => {
        const text = formatServiceNowTime(seconds * 1000);
        expect(parseServiceNowTime(text)).toBe(seconds * 1000);
      }),
    );
  });
});

describe('windowStart', () => {
  it('is the cursor minus the overlap, across day and year boundaries', () => {
    expect(windowStart('2026-11-24 09:15:02', 300)).toBe('2026-11-24 09:10:02');
    expect(windowStart('2027-01-01 00:02:00', 300)).toBe('2026-12-31 23:57:00');
    expect(windowStart('2026-11-24 09:15:02', 0)).toBe('2026-11-24 09:15:02');
  });

  it('reads everything before the first run, or when the stored cursor is not a time', () => {
    expect(windowStart(null, 300)).toBeNull();
    expect(windowStart('yesterday', 300)).toBeNull();
  });

  it('refuses a negative or non-finite overlap', () => {
    expect(() => windowStart('2026-11-24 09:15:02', -1)).toThrow(RangeError);
    expect(() => windowStart(null, Number.NaN)).toThrow(RangeError);
  });

  it('never starts after the cursor, and starts exactly `overlap` seconds before it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 86_400, max: 4_000_000_000 }), fc.integer({ min: 0, max: 86_400 }), (seconds, overlap) => {
        const cursor = formatServiceNowTime(seconds * 1000);
        const start = windowStart(cursor, overlap)!;
        expect(start <= cursor).toBe(true);
        expect(parseServiceNowTime(cursor)! - parseServiceNowTime(start)!).toBe(overlap * 1000);
      }),
    );
  });
});

describe('pageQuery', () => {
  it('reads every row, ordered, on a first run', () => {
    expect(pageQuery(startPosition(null)).build().text).toBe('ORDERBYsys_updated_on');
  });

  it('reads the window from its start', () => {
    expect(pageQuery(startPosition('2026-11-24 09:10:02')).build().text).toBe('sys_updated_on>=2026-11-24 09:10:02^ORDERBYsys_updated_on');
  });

  it('reads the rows after a key: same time and a later sys_id, or a later time', () => {
    const position: PagePosition = { from: '2026-11-24 09:10:02', after: { sysUpdatedOn: '2026-11-24 09:12:00', sysId: 'abc' }, offset: 0 };
    expect(pageQuery(position).build().text).toBe(
      'sys_updated_on>=2026-11-24 09:12:00^sys_updated_on>2026-11-24 09:12:00^ORsys_id>abc^ORDERBYsys_updated_on',
    );
  });

  it('escapes a key value that holds ^ (the builder, never string pasting)', () => {
    const position: PagePosition = { from: null, after: { sysUpdatedOn: '2026-11-24 09:12:00', sysId: 'a^NQactive=false' }, offset: 0 };
    expect(pageQuery(position).build().text).toContain('sys_id>a^^NQactive=false^ORDERBY');
  });
});

describe('nextPosition', () => {
  const limit = 3;
  const rows = [key(1, 1), key(1, 2), key(2, 1)];

  it('ends the table at an empty page', () => {
    expect(nextPosition(startPosition(null), [], limit)).toBeNull();
    expect(nextPosition({ from: null, after: key(1, 1), offset: 6 }, [], limit)).toBeNull();
  });

  it('continues after the last row of a full page, from offset 0', () => {
    expect(nextPosition({ from: 'x', after: null, offset: 3 }, rows.map(version), limit)).toEqual({ from: 'x', after: rows[2], offset: 0 });
  });

  it('continues after the last row of a short page too (ACLs may have hidden rows after it): only an empty page ends', () => {
    const position: PagePosition = { from: null, after: key(0, 9), offset: 0 };
    expect(nextPosition(position, rows.slice(0, 2).map(version), limit)).toEqual({ from: null, after: rows[1], offset: 0 });
  });

  it('does not key on a row without a time or sys_id', () => {
    const blank = { sysId: 'a'.repeat(32), sysUpdatedOn: '', sysModCount: null };
    expect(nextPosition(startPosition(null), [version(rows[0]!), version(rows[1]!), blank], limit)).toEqual({ from: null, after: null, offset: 3 });
  });

  it('refuses a page that does not move past the key (an instance ignoring the query)', () => {
    expect(() => nextPosition({ from: null, after: rows[2]!, offset: 0 }, rows.map(version), limit)).toThrow(CatalogPagingError);
    expect(() => nextPosition({ from: null, after: rows[1]!, offset: 0 }, [version(rows[0]!)], limit)).toThrow(CatalogPagingError);
  });
});

describe('compareKeys', () => {
  const arbKey = fc.record({ second: fc.integer({ min: 0, max: 50 }), id: fc.integer({ min: 0, max: 50 }) }).map(({ second, id }) => key(second, id));

  it('is a total order: antisymmetric and transitive, 0 only for equal keys', () => {
    fc.assert(
      fc.property(arbKey, arbKey, arbKey, (a, b, c) => {
        expect(Math.sign(compareKeys(a, b)) === -Math.sign(compareKeys(b, a))).toBe(true);
        expect(compareKeys(a, b) === 0).toBe(a.sysUpdatedOn === b.sysUpdatedOn && a.sysId === b.sysId);
        if (compareKeys(a, b) <= 0 && compareKeys(b, c) <= 0) expect(compareKeys(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

/**
 * A model of the Table API for these queries: rows ordered by (sys_updated_on, sys_id), the
 * position's condition, then offset and limit, then rows the account may not read dropped (after
 * the limit, as ServiceNow does).
 */
interface ModelRow {
  id: number;
  second: number;
  hidden: boolean;
}

function modelPage(rows: readonly ModelRow[], position: PagePosition, limit: number): RowKey[] {
  const from = position.from;
  const ordered = rows
    .map((r) => ({ row: r, key: key(r.second, r.id) }))
    .filter(({ key: k }) => (position.after ? compareKeys(k, position.after) > 0 : from === null || k.sysUpdatedOn >= from))
    .sort((a, b) => compareKeys(a.key, b.key));
  return ordered
    .slice(position.offset, position.offset + limit)
    .filter(({ row }) => !row.hidden)
    .map(({ key: k }) => k);
}

/** Reads every page; `between` may change the rows after each page. Returns the keys read. */
function readAll(rows: ModelRow[], limit: number, between: (page: number) => void = () => {}): RowKey[] {
  const read: RowKey[] = [];
  let position: PagePosition | null = startPosition(null);
  for (let page = 0; position; page++) {
    if (page > 10_000) throw new Error('paging did not end');
    const records = modelPage(rows, position, limit);
    read.push(...records);
    position = nextPosition(position, records.map(version), limit);
    if (position) between(page);
  }
  return read;
}

describe('paging through a table (model)', () => {
  const arbRows = fc
    .uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 0, maxLength: 80 })
    .chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.integer({ min: 0, max: 20 }), { minLength: ids.length, maxLength: ids.length })))
    .map(([ids, seconds]) => ids.map((id, i) => ({ id, second: seconds[i]!, hidden: false })));

  it('reads every row exactly once, many rows sharing one time included', () => {
    fc.assert(
      fc.property(arbRows, fc.integer({ min: 1, max: 12 }), (rows, limit) => {
        const read = readAll(rows, limit).map((k) => k.sysId);
        expect(read).toHaveLength(rows.length);
        expect(new Set(read).size).toBe(rows.length);
      }),
    );
  });

  it('misses no row when rows change during the read: each moves to the end and is read in its new version', () => {
    fc.assert(
      fc.property(arbRows, fc.integer({ min: 1, max: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (rows, limit, picks) => {
        let clock = 100;
        const read = readAll(rows, limit, (page) => {
          const pick = picks[page];
          if (pick === undefined || rows.length === 0) return;
          rows[pick % rows.length]!.second = clock++;
        });
        const readVersions = new Set(read.map((k) => `${k.sysId}@${k.sysUpdatedOn}`));
        for (const row of rows) expect(readVersions.has(`${key(row.second, row.id).sysId}@${key(row.second, row.id).sysUpdatedOn}`)).toBe(true);
        // No version is read twice.
        expect(readVersions.size).toBe(read.length);
      }),
    );
  });

  it('reads every row the account may read when ACLs hide rows (fewer than a page of them in a row)', () => {
    fc.assert(
      fc.property(arbRows, fc.integer({ min: 2, max: 12 }), fc.array(fc.boolean(), { maxLength: 80 }), (rows, limit, hide) => {
        const ordered = [...rows].sort((a, b) => compareKeys(key(a.second, a.id), key(b.second, b.id)));
        let run = 0;
        ordered.forEach((row, i) => {
          row.hidden = (hide[i] ?? false) && run < limit - 1;
          run = row.hidden ? run + 1 : 0;
        });
        const read = readAll(rows, limit).map((k) => k.sysId);
        const visible = rows.filter((r) => !r.hidden).map((r) => key(r.second, r.id).sysId);
        expect(read).toHaveLength(visible.length);
        expect([...read].sort()).toEqual([...visible].sort());
      }),
    );
  });
});
