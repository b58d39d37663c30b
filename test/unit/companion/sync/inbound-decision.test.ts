import fc from 'fast-check';
import type { IncidentValues, OutboundOp } from '../../../../src/companion/store/sync-store';
import { decideRecordChange, type DecideInput } from '../../../../src/companion/sync/inbound-decision';
import { DEFAULT_MAPPING } from '../../../../src/companion/sync/mapping';
import { mergeOwnWrite } from '../../../../src/companion/sync/own-writes';
import type { ServiceNowVersion } from '../../../../src/companion/sync/servicenow-record';

const BASE_SNAPSHOT = {
  short_description: 'DB down',
  description: 'Primary unreachable',
  state: '2',
  priority: '3',
  impact: '2',
  urgency: '2',
  assigned_to: 'a1',
  'assigned_to.email': 'alice@example.com',
  assignment_group: '',
  'assignment_group.name': '',
  close_code: '',
  close_notes: '',
};

const INCIDENT: IncidentValues = { name: 'DB down', summary: 'Primary unreachable', status: 'fixing', severity: 'minor', lead: 'alice@example.com' };

function version(sequence: number, changes: Record<string, string> = {}): ServiceNowVersion {
  return {
    sysId: 'f'.repeat(32),
    number: 'INC0010001',
    modCount: sequence,
    updatedAt: '2026-01-01T10:00:10Z',
    updatedBy: 'itil.user',
    active: true,
    correlationId: null,
    snapshot: { ...BASE_SNAPSHOT, ...changes },
  };
}

function input(sequence: number, changes: Record<string, string>, overrides: Partial<DecideInput> = {}): DecideInput {
  return {
    incident: INCIDENT,
    link: { snapshot: BASE_SNAPSHOT, lastAppliedModCount: 4 },
    change: { sequence, occurredAt: '2026-01-01T10:00:10Z', record: version(sequence, changes) },
    openOps: [],
    mapping: DEFAULT_MAPPING,
    ...overrides,
  };
}

function op(id: string, state: OutboundOp['state'], fields: Record<string, string>): Pick<OutboundOp, 'id' | 'state' | 'payload'> {
  return { id, state, payload: { fields: Object.fromEntries(Object.entries(fields).map(([k, at]) => [k, { value: 'x', changedAt: at }])) } };
}

describe('the sequence guard', () => {
  it('a version not newer than the last applied one changes nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.string(), fc.constantFrom('1', '6', '8'), (sequence, name, state) => {
        const decision = decideRecordChange(input(sequence, { short_description: name, state }));
        expect(decision).toMatchObject({ outcome: 'stale', incidentChanges: {}, lastAppliedModCount: 4, snapshot: BASE_SNAPSHOT, dropFromOps: [] });
      }),
    );
  });

  it('a newer version applies every field that differs from the snapshot, and becomes the snapshot', () => {
    const decision = decideRecordChange(input(5, { short_description: 'DB down (EU)', impact: '1', urgency: '1', priority: '1', assigned_to: 'b2', 'assigned_to.email': 'Bob@Example.com' }));
    expect(decision.outcome).toBe('applied');
    expect(decision.incidentChanges).toEqual({ name: 'DB down (EU)', severity: 'critical', lead: 'bob@example.com' });
    expect(decision.changed.sort()).toEqual(['assigned_to', 'impact', 'priority', 'short_description', 'urgency']);
    expect(decision.lastAppliedModCount).toBe(5);
    expect(decision.snapshot.short_description).toBe('DB down (EU)');
  });

  it('a change whose own event never arrived is still applied by the next version (compared with the snapshot)', () => {
    // Version 5 changed the description; its event is missing. Version 6 only says it changed the state.
    const decision = decideRecordChange(input(6, { description: 'Replica promoted', state: '6' }));
    expect(decision.incidentChanges).toEqual({ summary: 'Replica promoted', status: 'resolved' });
  });

  it('fields the companion just wrote are not taken back from its own write\'s answer', () => {
    const decision = decideRecordChange(input(5, { short_description: 'Renamed by us', description: 'Changed by someone else' }, { exclude: ['short_description'] }));
    expect(decision.incidentChanges).toEqual({ summary: 'Changed by someone else' });
    expect(decision.snapshot.short_description).toBe('Renamed by us');
  });

  it('values equal to the incident\'s, and an open state on an open status, are no change', () => {
    expect(decideRecordChange(input(5, { state: '3' })).outcome).toBe('no_change');
    expect(decideRecordChange(input(5, { impact: '3', urgency: '1' })).outcome).toBe('no_change');
  });

  it('order of arrival does not matter: whatever order versions come in, the newest one decides', () => {
    const versionArb = fc.record({
      short_description: fc.constantFrom('a', 'b', 'c'),
      state: fc.constantFrom('6', '7', '8'),
      priority: fc.constantFrom('1', '2', '3', '5'),
      'assigned_to.email': fc.constantFrom('x@example.com', 'y@example.com'),
    });
    fc.assert(
      fc.property(fc.array(versionArb, { minLength: 1, maxLength: 6 }).chain((vs) => fc.tuple(fc.constant(vs), fc.shuffledSubarray(vs.map((_, i) => i), { minLength: vs.length }))), ([versions, order]) => {
        let incident: IncidentValues = INCIDENT;
        let link = { snapshot: BASE_SNAPSHOT as Record<string, string>, lastAppliedModCount: 0 };
        for (const index of order) {
          const snapshot = { ...BASE_SNAPSHOT, ...versions[index]!, assigned_to: versions[index]!['assigned_to.email'] };
          const decision = decideRecordChange({
            incident,
            link,
            change: { sequence: index + 1, occurredAt: '2026-01-01T10:00:10Z', record: { ...version(index + 1), snapshot } },
            openOps: [],
            mapping: DEFAULT_MAPPING,
          });
          incident = { ...incident, ...decision.incidentChanges };
          link = { snapshot: decision.snapshot, lastAppliedModCount: decision.lastAppliedModCount };
        }
        const newest = versions[versions.length - 1]!;
        expect(incident.name).toBe(newest.short_description);
        expect(incident.status).toBe({ '6': 'resolved', '7': 'closed', '8': 'declined' }[newest.state]);
        expect(incident.severity).toBe({ '1': 'critical', '2': 'major', '3': 'minor', '5': 'minor' }[newest.priority]);
        expect(incident.lead).toBe(newest['assigned_to.email']);
        expect(link.lastAppliedModCount).toBe(versions.length);
      }),
    );
  });
});

describe('conflicts: the later change of a field wins', () => {
  it('an incident.io change not sent yet and made after ServiceNow\'s wins; ServiceNow\'s other fields still apply', () => {
    const decision = decideRecordChange(
      input(5, { short_description: 'From ServiceNow', description: 'Also from ServiceNow' }, { openOps: [op('op1', 'pending', { name: '2026-01-01T10:00:30.000Z' })] }),
    );
    expect(decision.incidentChanges).toEqual({ summary: 'Also from ServiceNow' });
    expect(decision.conflicts).toEqual([{ field: 'name', winner: 'incident.io' }]);
    expect(decision.dropFromOps).toEqual([]);
  });

  it('a ServiceNow change made after the unsent incident.io change wins, and is removed from every unsent write', () => {
    const decision = decideRecordChange(
      input(5, { short_description: 'From ServiceNow' }, {
        openOps: [op('op1', 'pending', { name: '2026-01-01T10:00:01.000Z', severity: '2026-01-01T10:00:01.000Z' }), op('op2', 'pending', { name: '2026-01-01T10:00:02.000Z' })],
      }),
    );
    expect(decision.incidentChanges).toEqual({ name: 'From ServiceNow' });
    expect(decision.conflicts).toEqual([{ field: 'name', winner: 'servicenow' }]);
    expect(decision.dropFromOps).toEqual([
      { opId: 'op1', fields: ['name'] },
      { opId: 'op2', fields: ['name'] },
    ]);
  });

  it('a write already on its way lands after ServiceNow\'s change, so it wins', () => {
    const decision = decideRecordChange(input(5, { short_description: 'From ServiceNow' }, { openOps: [op('op1', 'sending', { name: '2026-01-01T09:00:00.000Z' })] }));
    expect(decision).toMatchObject({ outcome: 'conflict', incidentChanges: {}, dropFromOps: [] });
  });

  it('ServiceNow\'s times are whole seconds: within the same second, incident.io wins', () => {
    const decision = decideRecordChange(input(5, { short_description: 'From ServiceNow' }, { openOps: [op('op1', 'pending', { name: '2026-01-01T10:00:10.900Z' })] }));
    expect(decision.conflicts).toEqual([{ field: 'name', winner: 'incident.io' }]);
  });
});

describe('unsettled fields: a version that does not say when a field changed', () => {
  // An incident.io write of the status, made at 10:00:05, still queued.
  const queuedStatus = op('w', 'pending', { status: '2026-01-01T10:00:05.000Z' });
  // The answer to a write of another field at 10:00:10 (no changed_fields): state differs from the snapshot.
  const answer = (overrides: Partial<DecideInput> = {}): DecideInput =>
    input(9, { state: '6', close_code: 'Solution provided', short_description: 'ours' }, { openOps: [queuedStatus], exclude: ['short_description'], ...overrides });

  it('on a real-time connection, a field whose time would beat a queued incident.io write is left for its push', () => {
    const decision = decideRecordChange(answer({ awaitPushes: true }));
    expect(decision.incidentChanges).toEqual({});
    expect(decision.dropFromOps).toEqual([]);
    expect(decision.snapshot.state).toBe('2');
    expect(decision.snapshot.close_code).toBe('Solution provided');
    expect(decision.snapshot.short_description).toBe('ours');
    expect(decision.unsettledFields).toEqual({ state: { seen: 4, until: 9 } });
    expect(decision.lastAppliedModCount).toBe(9);
    expect(decision.fieldVersions.state).toBeUndefined();
  });

  it('the push of the older change is still applied to the unsettled field, with its own time', () => {
    const after = decideRecordChange(answer({ awaitPushes: true }));
    const link = { snapshot: after.snapshot, lastAppliedModCount: after.lastAppliedModCount, fieldVersions: after.fieldVersions, unsettledFields: after.unsettledFields };
    // ServiceNow's state 6 was version 7, at 10:00:02: older than incident.io's 10:00:05, so incident.io wins.
    const push: DecideInput = {
      ...input(7, { state: '6', close_code: 'Solution provided', short_description: 'someone else' }),
      link,
      openOps: [queuedStatus],
      change: { sequence: 7, occurredAt: '2026-01-01T10:00:02Z', record: version(7, { state: '6', short_description: 'someone else' }), changedFields: ['state'] },
    };
    const decision = decideRecordChange(push);
    expect(decision.outcome).toBe('conflict');
    expect(decision.conflicts).toEqual([{ field: 'status', winner: 'incident.io' }]);
    expect(decision.dropFromOps).toEqual([]);
    expect(decision.changed).toEqual(['state']);
    // Only the unsettled field is taken from the older version: the name stays the newer one.
    expect(decision.snapshot.short_description).toBe('ours');
    expect(decision.snapshot.state).toBe('6');
    // Still unsettled until a version as new as the answer: the field may have changed again in between.
    expect(decision.unsettledFields).toEqual({ state: { seen: 7, until: 9 } });
    expect(decision.fieldVersions.state).toEqual({ modCount: 7, at: '2026-01-01T10:00:02Z' });
    expect(decision.lastAppliedModCount).toBe(9);

    // A push of the same field made after incident.io's change wins, and drops the queued write.
    const later = decideRecordChange({ ...push, change: { ...push.change, occurredAt: '2026-01-01T10:00:07Z' } });
    expect(later.incidentChanges).toEqual({ status: 'resolved' });
    expect(later.dropFromOps).toEqual([{ opId: 'w', fields: ['status'] }]);
  });

  it('an older push that does not show the change leaves the field unsettled; a version as new as the answer settles it', () => {
    const link = { snapshot: BASE_SNAPSHOT, lastAppliedModCount: 9, unsettledFields: { state: { seen: 4, until: 9 } } };
    // Version 5 changed the description only: the state's change is still to come.
    const before = decideRecordChange({
      ...input(5, { description: 'other' }),
      link,
      openOps: [queuedStatus],
      change: { sequence: 5, occurredAt: '2026-01-01T10:00:01Z', record: version(5, { description: 'other' }), changedFields: ['description'] },
    });
    expect(before.outcome).toBe('no_change');
    expect(before.snapshot.description).toBe(BASE_SNAPSHOT.description);
    expect(before.unsettledFields).toEqual({ state: { seen: 5, until: 9 } });
    // Another answer does not settle it (it says no more about the versions in between); the push of version 9 does.
    const answered = decideRecordChange({ ...input(9, { state: '2' }), link: { ...link, unsettledFields: before.unsettledFields }, openOps: [queuedStatus], awaitPushes: true });
    expect(answered.unsettledFields).toEqual({ state: { seen: 5, until: 9 } });
    const settled = decideRecordChange({
      ...input(9, { state: '2' }),
      link: { ...link, unsettledFields: before.unsettledFields },
      openOps: [queuedStatus],
      awaitPushes: true,
      change: { sequence: 9, occurredAt: '2026-01-01T10:00:10Z', record: version(9, { state: '2' }), changedFields: ['description'] },
    });
    expect(settled.unsettledFields).toEqual({});
    const stale = decideRecordChange({ ...input(6, { state: '6' }), link: { snapshot: BASE_SNAPSHOT, lastAppliedModCount: 9, unsettledFields: settled.unsettledFields }, openOps: [queuedStatus] });
    expect(stale.outcome).toBe('stale');
  });

  it('without a queued write the time could beat, or on a polling connection, the answer decides as before', () => {
    const unqueued = decideRecordChange(answer({ awaitPushes: true, openOps: [] }));
    expect(unqueued.incidentChanges).toEqual({ status: 'resolved' });
    expect(unqueued.unsettledFields).toEqual({});
    const polling = decideRecordChange(answer({ awaitPushes: false }));
    expect(polling.incidentChanges).toEqual({ status: 'resolved' });
    expect(polling.dropFromOps).toEqual([{ opId: 'w', fields: ['status'] }]);
    // A queued write made after the answer's time is not beaten by it: nothing to defer.
    const newerWrite = decideRecordChange(answer({ awaitPushes: true, openOps: [op('w', 'pending', { status: '2026-01-01T10:00:30.000Z' })] }));
    expect(newerWrite.unsettledFields).toEqual({});
    expect(newerWrite.conflicts).toEqual([{ field: 'status', winner: 'incident.io' }]);
  });

  it('a field back to the value the companion knew (A → B → A in versions it has not seen) is left for the pushes too; a version right after the last applied one is not', () => {
    const queued = op('w', 'pending', { severity: '2026-01-01T10:00:05.000Z' });
    const gap = decideRecordChange(input(9, { short_description: 'ours' }, { openOps: [queued], exclude: ['short_description'], awaitPushes: true }));
    expect(gap.changed).toEqual([]);
    expect(gap.unsettledFields).toEqual({ priority: { seen: 4, until: 9 }, impact: { seen: 4, until: 9 }, urgency: { seen: 4, until: 9 } });
    const next = decideRecordChange(input(5, { short_description: 'ours' }, { openOps: [queued], exclude: ['short_description'], awaitPushes: true }));
    expect(next.unsettledFields).toEqual({});
    // The answer of the next write, right after: the fields stay open (it says no more than the first about the versions in between).
    const after = decideRecordChange({
      ...input(10, { short_description: 'ours', priority: '1', impact: '1', urgency: '1' }, { openOps: [queued], exclude: ['short_description'], awaitPushes: true }),
      link: { snapshot: gap.snapshot, lastAppliedModCount: 9, fieldVersions: gap.fieldVersions, unsettledFields: gap.unsettledFields },
    });
    expect(after.unsettledFields).toEqual({ priority: { seen: 4, until: 10 }, impact: { seen: 4, until: 10 }, urgency: { seen: 4, until: 10 } });
    expect(after.incidentChanges).toEqual({});
    expect(after.snapshot.priority).toBe('3');
    // The write's own fields are never left open by its answer.
    const own = decideRecordChange(input(9, { priority: '1', impact: '1', urgency: '1' }, { openOps: [queued], exclude: ['priority', 'impact', 'urgency'], awaitPushes: true }));
    expect(own.unsettledFields).toEqual({});
  });

  it('a severity left for its push keeps priority, impact and urgency together', () => {
    const decision = decideRecordChange(
      input(9, { priority: '1', impact: '1', urgency: '1' }, { openOps: [op('w', 'pending', { severity: '2026-01-01T10:00:05.000Z' })], awaitPushes: true }),
    );
    expect(decision.unsettledFields).toEqual({ priority: { seen: 4, until: 9 }, impact: { seen: 4, until: 9 }, urgency: { seen: 4, until: 9 } });
    expect([decision.snapshot.priority, decision.snapshot.impact, decision.snapshot.urgency]).toEqual(['3', '2', '2']);
    expect(decision.incidentChanges).toEqual({});
  });
});

describe('pushes out of order: a push after a gap does not say when the missing versions changed a field', () => {
  // An incident.io write of the status, made at 10:00:05, still queued; the link is at version 4.
  const queuedStatus = op('w', 'pending', { status: '2026-01-01T10:00:05.000Z' });
  const push = (sequence: number, at: string, changes: Record<string, string>, changedFields: string[], overrides: Partial<DecideInput> = {}): DecideInput => ({
    ...input(sequence, changes),
    openOps: [queuedStatus],
    change: { sequence, occurredAt: at, record: version(sequence, changes), changedFields },
    ...overrides,
  });
  // Version 5 (state 6) is missing; version 6, at 10:00:10, renamed the incident and shows state 6.
  const renamed = push(6, '2026-01-01T10:00:10Z', { state: '6', close_code: 'Solution provided', short_description: 'DB down (EU)' }, ['short_description']);

  it("the missing version's field is left for its push, not given this push's time; the rest is applied", () => {
    const decision = decideRecordChange(renamed);
    expect(decision.incidentChanges).toEqual({ name: 'DB down (EU)' });
    expect(decision.dropFromOps).toEqual([]);
    expect(decision.snapshot).toMatchObject({ state: '2', short_description: 'DB down (EU)' });
    expect(decision.unsettledFields).toEqual({ state: { seen: 4, until: 5 } });
    expect(decision.fieldVersions.state).toBeUndefined();
    expect(decision.lastAppliedModCount).toBe(6);
  });

  it('its push, coming last, is applied with its own time: earlier than the queued write, incident.io wins; later, ServiceNow does', () => {
    const after = decideRecordChange(renamed);
    const link = { snapshot: after.snapshot, lastAppliedModCount: after.lastAppliedModCount, fieldVersions: after.fieldVersions, unsettledFields: after.unsettledFields };
    const changes = { state: '6', close_code: 'Solution provided' };
    const earlier = decideRecordChange(push(5, '2026-01-01T10:00:02Z', changes, ['state', 'close_code'], { link }));
    expect(earlier.outcome).toBe('conflict');
    expect(earlier.conflicts).toEqual([{ field: 'status', winner: 'incident.io' }]);
    expect(earlier.dropFromOps).toEqual([]);
    expect(earlier.unsettledFields).toEqual({});
    expect(earlier.snapshot).toMatchObject({ state: '6', short_description: 'DB down (EU)' });
    expect(earlier.fieldVersions.state).toEqual({ modCount: 5, at: '2026-01-01T10:00:02Z' });
    expect(earlier.lastAppliedModCount).toBe(6);

    const later = decideRecordChange(push(5, '2026-01-01T10:00:07Z', changes, ['state', 'close_code'], { link }));
    expect(later.incidentChanges).toEqual({ status: 'resolved' });
    expect(later.dropFromOps).toEqual([{ opId: 'w', fields: ['status'] }]);
    expect(later.unsettledFields).toEqual({});
  });

  it('a push that comes after later versions were applied (stale by its sys_mod_count) still beats a queued older write of a field it names', () => {
    // Versions 6 and 7 (a rename, a work note) were applied; the state shows 6, as it did at version 4 (A → B → A, or unchanged).
    const link = { snapshot: { ...BASE_SNAPSHOT, state: '6' }, lastAppliedModCount: 7, fieldVersions: {} };
    const resolved = (at: string, overrides: Partial<DecideInput> = {}) => decideRecordChange(push(5, at, { state: '6' }, ['state'], { link, ...overrides }));
    const late = resolved('2026-01-01T10:00:07Z');
    expect(late.outcome).toBe('applied');
    expect(late.incidentChanges).toEqual({ status: 'resolved' });
    expect(late.dropFromOps).toEqual([{ opId: 'w', fields: ['status'] }]);
    expect(late.fieldVersions.state).toEqual({ modCount: 5, at: '2026-01-01T10:00:07Z' });
    expect(late.lastAppliedModCount).toBe(7);
    expect(late.snapshot).toEqual(link.snapshot);
    // Earlier than the queued write; a later change of the field known; the companion's own write landed after it; a write being sent: stale.
    expect(resolved('2026-01-01T10:00:02Z').outcome).toBe('stale');
    expect(resolved('2026-01-01T10:00:07Z', { link: { ...link, fieldVersions: { state: { modCount: 6, at: '2026-01-01T10:00:08Z' } } } }).outcome).toBe('stale');
    expect(resolved('2026-01-01T10:00:07Z', { link: { ...link, ownWrites: { state: { decidedOn: 6, landed: 7, changedAt: '2026-01-01T10:00:05.000Z' } } } }).outcome).toBe('stale');
    expect(resolved('2026-01-01T10:00:07Z', { openOps: [{ ...queuedStatus, state: 'sending' }] }).outcome).toBe('stale');
    // A field it does not name is not its change.
    expect(decideRecordChange(push(5, '2026-01-01T10:00:07Z', { state: '6' }, ['description'], { link })).outcome).toBe('stale');
  });

  it('applied as before: without a queued write of the field, when the push names it, when its time cannot beat the write, or with no gap', () => {
    expect(decideRecordChange({ ...renamed, openOps: [] }).incidentChanges).toEqual({ name: 'DB down (EU)', status: 'resolved' });
    const named = decideRecordChange({ ...renamed, change: { ...renamed.change, changedFields: ['short_description', 'state'] } });
    expect(named.dropFromOps).toEqual([{ opId: 'w', fields: ['status'] }]);
    expect(named.unsettledFields).toEqual({});
    const early = decideRecordChange({ ...renamed, change: { ...renamed.change, occurredAt: '2026-01-01T10:00:04Z' } });
    expect(early.unsettledFields).toEqual({});
    expect(early.snapshot.state).toBe('6');
    expect(early.conflicts).toEqual([{ field: 'status', winner: 'incident.io' }]);
    const next = decideRecordChange(push(5, '2026-01-01T10:00:10Z', { state: '6', short_description: 'DB down (EU)' }, ['short_description']));
    expect(next.unsettledFields).toEqual({});
  });
});

describe("a ServiceNow change made while the companion's own write was on its way", () => {
  // The companion's write of the status was decided on version 5, landed as version 8, and carried incident.io's change of 10:00:05.
  const link = (fieldVersions = {}) => ({
    snapshot: BASE_SNAPSHOT,
    lastAppliedModCount: 8,
    fieldVersions,
    ownWrites: { state: { decidedOn: 5, landed: 8, changedAt: '2026-01-01T10:00:05.000Z' } },
  });
  const push = (sequence: number, occurredAt: string, changedFields = ['state']): DecideInput => ({
    ...input(sequence, { state: '6', close_code: 'Solution provided' }),
    link: link(),
    change: { sequence, occurredAt, record: version(sequence, { state: '6', close_code: 'Solution provided' }), changedFields },
  });

  it('is restored when it is later than the change the write carried: the incident takes it and a write puts it back', () => {
    const decision = decideRecordChange(push(7, '2026-01-01T10:00:09Z'));
    expect(decision.outcome).toBe('applied');
    expect(decision.incidentChanges).toEqual({ status: 'resolved' });
    expect(decision.restore).toEqual({ status: { value: 'resolved', changedAt: '2026-01-01T10:00:09.000Z' } });
    // The window stays, with the restored change as the latest written over it.
    expect(decision.ownWrites).toEqual({ state: { decidedOn: 5, landed: 8, changedAt: '2026-01-01T10:00:09.000Z' } });
    expect(decision.lastAppliedModCount).toBe(8);
  });

  it('is not restored when it is older than that change, was known to the write, came after it, or was changed again since', () => {
    expect(decideRecordChange(push(7, '2026-01-01T10:00:04Z')).outcome).toBe('stale');
    expect(decideRecordChange(push(5, '2026-01-01T10:00:09Z')).outcome).toBe('stale');
    expect(decideRecordChange(push(7, '2026-01-01T10:00:09Z', ['description'])).outcome).toBe('stale');
    const changedAgain = { ...push(7, '2026-01-01T10:00:09Z'), link: link({ state: { modCount: 9, at: '2026-01-01T10:00:10Z' } }) };
    expect(decideRecordChange(changedAgain).restore).toEqual({});
  });

  it('is restored also when the push is newer for another field, one left unsettled by a write answer', () => {
    const unsettledDescription = { ...push(7, '2026-01-01T10:00:09Z'), link: { ...link(), unsettledFields: { description: { seen: 4, until: 8 } } } };
    const decision = decideRecordChange(unsettledDescription);
    expect(decision.restore).toEqual({ status: { value: 'resolved', changedAt: '2026-01-01T10:00:09.000Z' } });
    expect(decision.incidentChanges).toMatchObject({ status: 'resolved' });
    expect(decision.ownWrites).toEqual({ state: { decidedOn: 5, landed: 8, changedAt: '2026-01-01T10:00:09.000Z' } });
  });

  // The crash-restart fault suite found this (CI run 18): the push came after a responder changed the
  // field again; that write was still queued. The restore put the older value in the incident and,
  // queued after the responder's write, in ServiceNow too.
  it("is not restored over a later incident.io change of the field still queued or being sent; an older one does not stop it", () => {
    const queued = (state: 'pending' | 'sending', changedAt: string, basis = 8) => ({
      ...push(7, '2026-01-01T10:00:09Z'),
      openOps: [{ id: 'later', state, payload: { fields: { status: { value: 'fixing', changedAt, basis: { serviceNowModCount: basis, incidentVersion: 4 } } } } }],
    });
    for (const state of ['pending', 'sending'] as const) {
      const decision = decideRecordChange(queued(state, '2026-01-01T10:00:12.000Z'));
      expect([state, decision.outcome, decision.restore, decision.incidentChanges]).toEqual([state, 'stale', {}, {}]);
    }
    // Made knowing a version after the ServiceNow change (its basis), whatever the clocks say: later too.
    expect(decideRecordChange(queued('pending', '2026-01-01T10:00:08.000Z', 8)).restore).toEqual({});
    // An incident.io change older than ServiceNow's (and made before it) does not stop the restore.
    expect(decideRecordChange(queued('pending', '2026-01-01T10:00:08.000Z', 6)).restore).toEqual({ status: { value: 'resolved', changedAt: '2026-01-01T10:00:09.000Z' } });
  });

  // The crash-restart fault suite found this (seed 643): a write decided on the pushes applied (its
  // read kept changing) landed over three ServiceNow changes of the severity; their pushes came after,
  // in order: the first was restored, and the two later ones changed nothing.
  it('a later change of the same window whose push comes after a restore is restored in turn; an older one is not', () => {
    const first = decideRecordChange(push(6, '2026-01-01T10:00:09Z'));
    expect(first.restore).toEqual({ status: { value: 'resolved', changedAt: '2026-01-01T10:00:09.000Z' } });
    const restored = { ...link(first.fieldVersions), ownWrites: first.ownWrites };
    const openOps = [{ id: 'restore', state: 'pending' as const, payload: { fields: { status: { ...first.restore.status!, basis: { serviceNowModCount: 6, incidentVersion: 3 } } } } }];
    const later = { ...input(7, { state: '2' }), link: restored, openOps, change: { sequence: 7, occurredAt: '2026-01-01T10:00:11Z', record: version(7, { state: '2' }), changedFields: ['state'] } };
    const second = decideRecordChange({ ...later, incident: { ...later.incident, status: 'resolved' } });
    expect(second.restore).toEqual({ status: { value: 'investigating', changedAt: '2026-01-01T10:00:11.000Z' } });
    expect(second.incidentChanges).toEqual({ status: 'investigating' });
    const older = decideRecordChange({ ...later, change: { ...later.change, occurredAt: '2026-01-01T10:00:08Z' } });
    expect(older.restore).toEqual({});
  });

  // The PostgreSQL fault suite found this: three writes of one field in a row, each landing before
  // the push of a change the first one overwrote; only the last one's window was kept.
  it('is restored after more own writes of the field landed, when it is later than every change they carried, and only then', () => {
    const first = { decidedOn: 5, landed: 8, changedAt: '2026-01-01T10:00:05.000Z' };
    const second = { decidedOn: 9, landed: 10, changedAt: '2026-01-01T10:00:07.000Z' };
    const merged = mergeOwnWrite(mergeOwnWrite(undefined, first), second);
    expect(merged).toEqual({ decidedOn: 5, landed: 10, changedAt: '2026-01-01T10:00:07.000Z' });
    const late = (occurredAt: string): DecideInput => ({ ...push(7, occurredAt), link: { ...link(), lastAppliedModCount: 10, ownWrites: { state: merged } } });
    expect(decideRecordChange(late('2026-01-01T10:00:09Z')).restore).toEqual({ status: { value: 'resolved', changedAt: '2026-01-01T10:00:09.000Z' } });
    // Later than the first write's change but older than the second's: the second one's value stands.
    expect(decideRecordChange(late('2026-01-01T10:00:06Z')).restore).toEqual({});
  });
});
