import fc from 'fast-check';
import { PUSH_LIMITS } from '../../../src/server/contract/push-event';
import { queueIncidentChange, queueJournalEntry } from '../../../src/server/lib/queue';
import { checkPushEvent, pushEventSchema } from '../../../src/shared/push-event-schema';
import { AppFixture } from '../../helpers/app-fixture';
import { recordOf } from '../../helpers/fake-glide';

/**
 * Bounds of the push schema: every number and string of a push has a bound, checked by the
 * schema both sides validate with; and the app's payload builder stays within them, whatever the
 * instance holds, so a push is never refused for its size.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function validEvent() {
  return {
    schema_version: 1,
    event_id: 'a'.repeat(32),
    type: 'incident.updated',
    occurred_at: '2026-01-15T12:00:00Z',
    instance: 'acme',
    sequence: 3,
    changed_fields: ['state'],
    incident: {
      sys_id: 'b'.repeat(32),
      number: 'INC0010001',
      short_description: 'Database unreachable',
      description: '',
      state: '2',
      state_label: 'In Progress',
      priority: '1',
      priority_label: '1 - Critical',
      impact: '1',
      urgency: '1',
      active: true,
      assignment_group: { sys_id: 'c'.repeat(32), name: 'Database' },
      assigned_to: { sys_id: 'd'.repeat(32), name: 'Alice Able', user_name: 'alice', email: 'alice@example.com' },
      cmdb_ci: null,
      business_service: null,
      caller: null,
      close_code: '',
      close_notes: '',
      sys_created_on: '2026-01-15T11:00:00Z',
      sys_updated_on: '2026-01-15T12:00:00Z',
      sys_updated_by: 'alice',
      sys_mod_count: 3,
    },
  };
}
type Event = ReturnType<typeof validEvent>;

function journalEvent(value: string) {
  return {
    ...validEvent(),
    type: 'incident.journal',
    changed_fields: [],
    journal: { sys_id: 'e'.repeat(32), element: 'work_notes', value, author: 'alice', created_on: '2026-01-15T12:00:00Z' },
  };
}

/** Numbers outside [0, 2^53 - 1], or not integers. */
const outOfRange = fc.oneof(
  fc.double({ min: MAX_SAFE + 2, max: Number.MAX_VALUE, noNaN: true }),
  fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
  fc.double({ min: 0.0001, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)),
  fc.constantFrom(1e308, MAX_SAFE + 1, -1, Number.POSITIVE_INFINITY, Number.NaN),
);
const inRange = fc.oneof(fc.nat(), fc.constantFrom(0, MAX_SAFE), fc.integer({ min: 0, max: MAX_SAFE }));

describe('the push schema bounds every number', () => {
  it('accepts the valid event the other properties start from', () => {
    expect(checkPushEvent(validEvent())).toEqual({ ok: true });
  });

  it('refuses sys_mod_count 1e308 (it would make every later event of the incident look stale)', () => {
    const event = validEvent();
    event.incident.sys_mod_count = 1e308;
    const checked = checkPushEvent(event);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.errors).toContain('/incident/sys_mod_count must be <= 9007199254740991');
  });

  it('refuses any sys_mod_count or sequence outside 0 … 2^53 - 1, and accepts every one inside', () => {
    fc.assert(
      fc.property(outOfRange, fc.constantFrom<'sequence' | 'sys_mod_count'>('sequence', 'sys_mod_count'), (n, field) => {
        const event = validEvent();
        if (field === 'sequence') event.sequence = n;
        else event.incident.sys_mod_count = n;
        return !checkPushEvent(event).ok;
      }),
    );
    fc.assert(
      fc.property(inRange, inRange, (sequence, modCount) => {
        const event = validEvent();
        event.sequence = sequence;
        event.incident.sys_mod_count = modCount;
        return checkPushEvent(event).ok;
      }),
    );
  });

  it('refuses a schema_version other than 1 and more changed fields than there are', () => {
    fc.assert(fc.property(fc.double({ noNaN: true }).filter((n) => n !== 1), (n) => !checkPushEvent({ ...validEvent(), schema_version: n }).ok));
    const fields = [...(pushEventSchema.properties.changed_fields.items.enum as string[])];
    expect(checkPushEvent({ ...validEvent(), changed_fields: fields }).ok).toBe(true);
    expect(checkPushEvent({ ...validEvent(), changed_fields: [...fields, 'state'] }).ok).toBe(false);
  });
});

describe('the push schema bounds every string', () => {
  type Setter = [name: string, limit: number, set: (event: Event, value: string) => void];
  const setters: Setter[] = [
    ['instance', PUSH_LIMITS.name, (e, v) => (e.instance = v)],
    ['number', PUSH_LIMITS.name, (e, v) => (e.incident.number = v)],
    ['short_description', PUSH_LIMITS.shortDescription, (e, v) => (e.incident.short_description = v)],
    ['description', PUSH_LIMITS.text, (e, v) => (e.incident.description = v)],
    ['close_notes', PUSH_LIMITS.text, (e, v) => (e.incident.close_notes = v)],
    ['state', PUSH_LIMITS.name, (e, v) => (e.incident.state = v)],
    ['priority_label', PUSH_LIMITS.name, (e, v) => (e.incident.priority_label = v)],
    ['sys_updated_by', PUSH_LIMITS.name, (e, v) => (e.incident.sys_updated_by = v)],
    ['assignment_group.name', PUSH_LIMITS.name, (e, v) => (e.incident.assignment_group.name = v)],
    ['assigned_to.email', PUSH_LIMITS.name, (e, v) => (e.incident.assigned_to.email = v)],
  ];

  it.each(setters)('%s: at most %d characters', (_name, limit, set) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 1000 }), (under, over) => {
        const fits = validEvent();
        set(fits, 'x'.repeat(limit - under));
        const long = validEvent();
        set(long, 'x'.repeat(limit + over));
        return checkPushEvent(fits).ok && !checkPushEvent(long).ok;
      }),
      { numRuns: 20 },
    );
  });

  it('a journal entry\'s text: at most the long-text bound', () => {
    expect(checkPushEvent(journalEvent('x'.repeat(PUSH_LIMITS.text))).ok).toBe(true);
    expect(checkPushEvent(journalEvent('x'.repeat(PUSH_LIMITS.text + 1))).ok).toBe(false);
  });

  it('timestamps: only real months, days, hours, minutes and seconds', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const stamp = fc.tuple(fc.integer({ min: 1970, max: 9999 }), two(99), two(99), two(99), two(99), two(99));
    fc.assert(
      fc.property(stamp, ([year, month, day, hour, minute, second]) => {
        const text = `${year}-${month}-${day}T${hour}:${minute}:${second}Z`;
        const real = +month >= 1 && +month <= 12 && +day >= 1 && +day <= 31 && +hour <= 23 && +minute <= 59 && +second <= 59;
        const event = validEvent();
        event.occurred_at = text;
        event.incident.sys_updated_on = text;
        return checkPushEvent(event).ok === real;
      }),
    );
  });

  it('the schema and the app\'s payload builder use the same bounds (PUSH_LIMITS)', () => {
    const defs = pushEventSchema.$defs;
    expect(defs.name.maxLength).toBe(PUSH_LIMITS.name);
    expect(defs.text.maxLength).toBe(PUSH_LIMITS.text);
    expect(defs.incident.properties.short_description.maxLength).toBe(PUSH_LIMITS.shortDescription);
    expect(defs.incident.properties.sys_mod_count.maximum).toBe(PUSH_LIMITS.modCount);
    expect(pushEventSchema.properties.sequence.maximum).toBe(PUSH_LIMITS.modCount);
  });
});

describe('the app builds pushes within the bounds, whatever the instance holds', () => {
  it('cuts texts, names and the counter to their bounds, and the event validates', () => {
    fc.assert(
      fc.property(
        fc.record({
          short_description: fc.string({ minLength: 0, maxLength: PUSH_LIMITS.shortDescription + 50 }),
          extra: fc.integer({ min: 0, max: 100 }),
          modCount: fc.oneof(fc.constant('1e308'), fc.constant('99999999999999999999'), fc.constant('-4'), fc.nat().map(String)),
        }),
        ({ short_description, extra, modCount }) => {
          const app = new AppFixture();
          const current = app.incident({
            short_description,
            description: 'd'.repeat(PUSH_LIMITS.text + extra),
            close_notes: 'n'.repeat(PUSH_LIMITS.text + extra),
            state: 's'.repeat(PUSH_LIMITS.name + extra),
            sys_mod_count: modCount,
          });
          const result = queueIncidentChange(current, null, 'insert', app.queueDeps());
          if (!('queued' in result)) return false;
          const incident = result.queued.incident;
          return (
            checkPushEvent(result.queued).ok &&
            incident.description.length === PUSH_LIMITS.text &&
            incident.state.length === PUSH_LIMITS.name &&
            incident.short_description === short_description.slice(0, PUSH_LIMITS.shortDescription) &&
            incident.sys_mod_count >= 0 &&
            incident.sys_mod_count <= PUSH_LIMITS.modCount
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a work note longer than the bound is pushed cut to it (not refused by the receiver)', () => {
    const app = new AppFixture();
    const incident = app.incident({ sys_mod_count: '2' });
    const entry = recordOf({
      sys_id: 'f'.repeat(32),
      name: 'incident',
      element: 'work_notes',
      element_id: incident.getUniqueValue(),
      value: 'w'.repeat(PUSH_LIMITS.text + 10),
      sys_created_by: 'alice',
      sys_created_on: '2026-01-15 12:00:00',
    });
    const result = queueJournalEntry(entry, app.queueDeps());
    if (!('queued' in result)) throw new Error(`skipped: ${result.skipped}`);
    expect(result.queued.journal!.value).toHaveLength(PUSH_LIMITS.text);
    expect(checkPushEvent(result.queued)).toEqual({ ok: true });
  });
});
