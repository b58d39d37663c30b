import fc from 'fast-check';
import { SYNCED_FIELDS, type FieldChange, type SyncedField } from '../../../../src/companion/store/sync-store';
import { canCoalesceInto, isEmptyUpdate, mergeFieldChanges, withoutFields, type FieldChanges } from '../../../../src/companion/sync/coalesce';

const change = (value: string, second: number): FieldChange => ({ value, changedAt: new Date(Date.UTC(2026, 0, 1, 10, 0, second)).toISOString() });

describe('coalescing queued field writes', () => {
  it('merging edits one by one keeps, per field, the latest edit', () => {
    const edit = fc.record({ field: fc.constantFrom(...SYNCED_FIELDS), value: fc.string({ maxLength: 5 }) });
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 20 }), (edits) => {
        let queued: FieldChanges = {};
        edits.forEach((e, i) => {
          queued = mergeFieldChanges(queued, { [e.field]: change(e.value, i) });
        });
        const expected: FieldChanges = {};
        edits.forEach((e, i) => {
          expected[e.field] = change(e.value, i);
        });
        expect(queued).toEqual(expected);
      }),
    );
  });

  it('an older change never replaces a newer one', () => {
    expect(mergeFieldChanges({ name: change('new', 5) }, { name: change('old', 3), summary: change('s', 3) })).toEqual({ name: change('new', 5), summary: change('s', 3) });
  });

  it('merges only into a write still waiting: a pending create or update, not one being sent, not a note', () => {
    expect(canCoalesceInto({ state: 'pending', kind: 'update', payload: {} })).toBe(true);
    expect(canCoalesceInto({ state: 'pending', kind: 'create', payload: {} })).toBe(true);
    expect(canCoalesceInto({ state: 'sending', kind: 'update', payload: {} })).toBe(false);
    expect(canCoalesceInto({ state: 'pending', kind: 'note', payload: {} })).toBe(false);
    expect(canCoalesceInto({ state: 'done', kind: 'update', payload: {} })).toBe(false);
    // A write given back while it waits for pushes is claimed again shortly: a new write queues after it.
    expect(canCoalesceInto({ state: 'pending', kind: 'update', payload: { awaiting: { since: '2026-01-01T00:00:00.000Z' } } })).toBe(false);
    expect(canCoalesceInto(undefined)).toBe(false);
  });

  it('drops fields ServiceNow overrode; an update left without fields writes nothing', () => {
    const payload = { fields: { name: change('n', 1), severity: change('major', 1) } as Partial<Record<SyncedField, FieldChange>> };
    expect(withoutFields(payload, ['name'])).toEqual({ fields: { severity: change('major', 1) } });
    expect(isEmptyUpdate(withoutFields(payload, ['name', 'severity']))).toBe(true);
    expect(isEmptyUpdate(payload)).toBe(false);
  });
});
