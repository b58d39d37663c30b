import type { FieldChange, IncidentValues } from '../../../../src/companion/store/sync-store';
import { decideQueuedWrite, decideRecordChange, readMayMislead, serviceNowWins, type DecideInput } from '../../../../src/companion/sync/inbound-decision';
import { DEFAULT_MAPPING } from '../../../../src/companion/sync/mapping';
import { ownFieldsOf } from '../../../../src/companion/sync/own-writes';
import type { ServiceNowVersion } from '../../../../src/companion/sync/servicenow-record';
import { USERS } from '../../../helpers/instance';
import { startPollingFixture, startRealtimeFixture, type SyncFixture } from '../../../helpers/sync-fixture';
import { waitFor } from '../../../helpers/wait-for';
import { sentByReplicaThatDies } from '../../../helpers/dying-replica';

/**
 * Versioned writes: every queued field write says what it was based on; it is re-decided against
 * what is known now before every send, and an older write never wins over a newer change.
 */

const SNAPSHOT = {
  short_description: 'DB down',
  description: '',
  state: '1',
  priority: '3',
  impact: '2',
  urgency: '2',
  assigned_to: '',
  'assigned_to.email': '',
  assignment_group: '',
  'assignment_group.name': '',
  close_code: '',
  close_notes: '',
};
const INCIDENT: IncidentValues = { name: 'DB down', summary: '', status: 'investigating', severity: 'minor', lead: null };

function version(modCount: number, at: string, changes: Record<string, string>): ServiceNowVersion {
  return { sysId: 'f'.repeat(32), number: 'INC0010001', modCount, updatedAt: at, updatedBy: 'itil.user', active: true, correlationId: null, snapshot: { ...SNAPSHOT, ...changes } };
}

const queued = (value: string, changedAt: string, basis = 4): FieldChange => ({ value, changedAt, basis: { serviceNowModCount: basis, incidentVersion: 2 } });

function change(modCount: number, at: string, changes: Record<string, string>, changedFields: string[] | null = null): DecideInput['change'] {
  return { sequence: modCount, occurredAt: at, record: version(modCount, at, changes), changedFields };
}

describe('the rule', () => {
  it('ServiceNow wins only with a change newer than the queued write\'s basis and later in time (whole seconds; a tie goes to incident.io)', () => {
    const write = queued('investigating', '2026-01-01T10:00:05.900Z', 4);
    expect(serviceNowWins(write, { modCount: 6, at: '2026-01-01T10:00:06Z' })).toBe(true);
    expect(serviceNowWins(write, { modCount: 6, at: '2026-01-01T10:00:05Z' })).toBe(false);
    // incident.io's change was made knowing version 6: it is the later one, whatever the clocks say.
    expect(serviceNowWins(queued('investigating', '2026-01-01T10:00:05Z', 6), { modCount: 6, at: '2026-01-01T10:00:09Z' })).toBe(false);
    // A write queued before migration 0005 has no basis: time decides.
    expect(serviceNowWins({ value: 'x', changedAt: '2026-01-01T10:00:05Z' }, { modCount: 1, at: '2026-01-01T10:00:06Z' })).toBe(true);
  });
});

describe('applying a ServiceNow change', () => {
  it('a later change whose mapped value equals the incident\'s still drops the field from the queued write (no revert of the user\'s value)', () => {
    // incident.io: triage → investigating (queues state 2). A ServiceNow user then sets state 2 → 1 → …
    // here simply 3 (On Hold): an open state maps to no status change, but the write of state 2 must go.
    const decision = decideRecordChange({
      incident: INCIDENT,
      link: { snapshot: { ...SNAPSHOT, state: '2' }, lastAppliedModCount: 4, fieldVersions: {} },
      change: change(5, '2026-01-01T10:00:09Z', { state: '3' }),
      openOps: [{ id: 'op1', state: 'pending', payload: { fields: { status: queued('investigating', '2026-01-01T10:00:05Z') } } }],
      mapping: DEFAULT_MAPPING,
    });
    expect(decision.incidentChanges).toEqual({});
    expect(decision.dropFromOps).toEqual([{ opId: 'op1', fields: ['status'] }]);
    expect(decision.fieldVersions.state).toEqual({ modCount: 5, at: '2026-01-01T10:00:09Z' });
  });

  it('a push that reports a field changed back to the snapshot\'s value (A → B → A while a write was in flight) counts as a change', () => {
    const decision = decideRecordChange({
      incident: INCIDENT,
      link: { snapshot: SNAPSHOT, lastAppliedModCount: 4, fieldVersions: {} },
      change: change(6, '2026-01-01T10:00:09Z', { state: '1' }, ['state', 'sys_updated_on']),
      openOps: [{ id: 'op1', state: 'pending', payload: { fields: { status: queued('investigating', '2026-01-01T10:00:05Z') } } }],
      mapping: DEFAULT_MAPPING,
    });
    expect(decision.changed).toEqual(['state']);
    expect(decision.dropFromOps).toEqual([{ opId: 'op1', fields: ['status'] }]);
  });

  it('an older ServiceNow change is not applied over a later incident.io change still queued (the other direction)', () => {
    const decision = decideRecordChange({
      incident: INCIDENT,
      link: { snapshot: SNAPSHOT, lastAppliedModCount: 4, fieldVersions: {} },
      change: change(5, '2026-01-01T10:00:02Z', { state: '6' }),
      openOps: [{ id: 'op1', state: 'pending', payload: { fields: { status: queued('investigating', '2026-01-01T10:00:05Z') } } }],
      mapping: DEFAULT_MAPPING,
    });
    expect(decision.incidentChanges).toEqual({});
    expect(decision.dropFromOps).toEqual([]);
    expect(decision.conflicts).toEqual([{ field: 'status', winner: 'incident.io' }]);
  });

  it('a write a live worker is sending wins for now, but the change is recorded for the write\'s re-decision if that worker died', () => {
    const decision = decideRecordChange({
      incident: INCIDENT,
      link: { snapshot: SNAPSHOT, lastAppliedModCount: 4, fieldVersions: {} },
      change: change(5, '2026-01-01T10:00:09Z', { state: '6' }),
      openOps: [{ id: 'op1', state: 'sending', payload: { fields: { status: queued('investigating', '2026-01-01T10:00:05Z') } } }],
      mapping: DEFAULT_MAPPING,
    });
    expect(decision.incidentChanges).toEqual({});
    expect(decision.dropFromOps).toEqual([]);
    expect(decision.fieldVersions.state).toEqual({ modCount: 5, at: '2026-01-01T10:00:09Z' });
    // The same write, held by the caller re-deciding it: ServiceNow's later change wins.
    const held = decideRecordChange({
      incident: INCIDENT,
      link: { snapshot: SNAPSHOT, lastAppliedModCount: 4, fieldVersions: {} },
      change: change(5, '2026-01-01T10:00:09Z', { state: '6' }),
      openOps: [{ id: 'op1', state: 'sending', payload: { fields: { status: queued('investigating', '2026-01-01T10:00:05Z') } } }],
      mapping: DEFAULT_MAPPING,
      heldOpIds: ['op1'],
    });
    expect(held.incidentChanges).toEqual({ status: 'resolved' });
    expect(held.dropFromOps).toEqual([{ opId: 'op1', fields: ['status'] }]);
  });
});

describe('the companion\'s own write, landed but not recorded (the process died in between)', () => {
  it('is recognised by its values, so it neither beats that write nor the newer ones queued after it', () => {
    // Write 1 (name v3) landed as version 5 by the integration user; write 2 (name v5) waits behind it.
    const record = { ...version(5, '2026-01-01T10:00:09Z', { short_description: 'v3' }), updatedBy: 'svc_incident_io' };
    const ops = [
      { id: 'op1', state: 'pending' as const, payload: { fields: { name: queued('v3', '2026-01-01T10:00:03Z') } } },
      { id: 'op2', state: 'pending' as const, payload: { fields: { name: queued('v5', '2026-01-01T10:00:05Z') } } },
    ];
    const exclude = ownFieldsOf(ops, record, DEFAULT_MAPPING);
    expect(exclude).toEqual(['short_description']);
    const decision = decideRecordChange({
      incident: { ...INCIDENT, name: 'v5' },
      link: { snapshot: { ...SNAPSHOT, short_description: 'v2' }, lastAppliedModCount: 4, fieldVersions: {} },
      change: { sequence: 5, occurredAt: '2026-01-01T10:00:09Z', record, changedFields: null },
      openOps: ops,
      mapping: DEFAULT_MAPPING,
      exclude,
    });
    expect(decision.incidentChanges).toEqual({});
    expect(decision.dropFromOps).toEqual([]);
    expect(decision.fieldVersions).toEqual({});
    expect(decision.snapshot.short_description).toBe('v3');
  });
});

describe('before a write is sent', () => {
  it('drops each field a later ServiceNow change beat, and the incident takes ServiceNow\'s value; other fields are sent', () => {
    const decision = decideQueuedWrite({
      incident: { ...INCIDENT, name: 'New name' },
      link: { snapshot: { ...SNAPSHOT, state: '6' }, fieldVersions: { state: { modCount: 5, at: '2026-01-01T10:00:09Z' } } },
      fields: { status: queued('investigating', '2026-01-01T10:00:05Z'), name: queued('New name', '2026-01-01T10:00:05Z') },
      mapping: DEFAULT_MAPPING,
    });
    expect(decision).toEqual({ drop: ['status'], incidentChanges: { status: 'resolved' } });
  });

  it('drops a beaten field but keeps the incident\'s value when a later queued incident.io change sets that field (an older ServiceNow change never lands over a newer incident.io one)', () => {
    // Write 1 (summary "a", 10:00:00) died in flight; a ServiceNow user set "b" (10:00:03, version 5);
    // incident.io then set "c" (10:00:06), queued as write 2. Re-deciding write 1: "b" beats it, but
    // the incident shows "c", which "b" did not beat: it stays, and write 2 sends it.
    const fields = { summary: queued('a', '2026-01-01T10:00:00Z') };
    const link = { snapshot: { ...SNAPSHOT, description: 'b' }, fieldVersions: { description: { modCount: 5, at: '2026-01-01T10:00:03Z' } } };
    const incident = { ...INCIDENT, summary: 'c' };
    expect(decideQueuedWrite({ incident, link, fields, mapping: DEFAULT_MAPPING, setLater: new Set(['summary'] as const) })).toEqual({ drop: ['summary'], incidentChanges: {} });
    // With no later write of the field, ServiceNow's value is the incident's.
    expect(decideQueuedWrite({ incident, link, fields, mapping: DEFAULT_MAPPING, setLater: new Set(['name'] as const) })).toEqual({ drop: ['summary'], incidentChanges: { summary: 'b' } });
  });

  it('does not decide on a read when the record changed after incident.io\'s change: the field may have changed before it, or been set and set back', () => {
    // The user set the description at 10:00:03 and commented at 10:00:09; incident.io changed the summary at 10:00:05.
    // The read says only "changed at 10:00:09" (and a description set and set back shows no change at all).
    const fields = { summary: queued('from incident.io', '2026-01-01T10:00:05Z') };
    expect(readMayMislead(fields, version(7, '2026-01-01T10:00:09Z', { description: 'from servicenow' }))).toBe(true);
    expect(readMayMislead(fields, version(7, '2026-01-01T10:00:09Z', {}))).toBe(true);
    // The record's last change is not later than incident.io's change (whole seconds): every ServiceNow change is older.
    expect(readMayMislead(fields, version(7, '2026-01-01T10:00:05Z', { description: 'from servicenow' }))).toBe(false);
  });

  it('keeps a field whose ServiceNow change the incident.io change was based on', () => {
    const decision = decideQueuedWrite({
      incident: INCIDENT,
      link: { snapshot: SNAPSHOT, fieldVersions: { state: { modCount: 5, at: '2026-01-01T10:00:09Z' } } },
      fields: { status: queued('investigating', '2026-01-01T10:00:08Z', 5) },
      mapping: DEFAULT_MAPPING,
    });
    expect(decision).toEqual({ drop: [], incidentChanges: {} });
  });
});

describe('the revert of issue 8, on the local instance with the app', () => {
  let f: SyncFixture;
  // Long leases: the "crashed" worker's lease must still run while the user's push is applied.
  beforeAll(async () => {
    f = await startRealtimeFixture({ companion: { sync: { timings: { heartbeatMs: 1_000, staleAfterMs: 120_000 } } } });
  }, 60_000);
  afterAll(async () => f?.close());

  it('a status write in flight when the companion died is not re-sent over the state a ServiceNow user set since', async () => {
    const declared = await f.declare({ name: 'Revert check', status: 'triage', severity: 'minor' });
    const linked = await f.synced(declared.id);
    const sysId = linked.servicenow!.sys_id;
    const store = f.companion.store.sync;
    const link = (await store.incidents.getLink(declared.id))!;

    // incident.io: triage → investigating five seconds ago; its write (state 2) was claimed by a
    // worker, reached ServiceNow, and the worker died before recording it.
    const changedAt = new Date(Date.now() - 5_000);
    const opId = await store.transaction(async (tx) => {
      const incident = (await tx.incidents.getIncident(declared.id))!;
      await tx.incidents.updateIncident(incident.id, incident.version, { status: 'investigating' }, changedAt);
      const op = await tx.outbound.enqueue({
        incidentId: incident.id,
        connectionId: f.connection.id,
        kind: 'update',
        payload: { fields: { status: { value: 'investigating', changedAt: changedAt.toISOString(), basis: { serviceNowModCount: link.lastAppliedModCount, incidentVersion: incident.version + 1 } } } },
        createdAt: changedAt,
      });
      await tx.owners.register({ id: 'crashed-worker', host: 'another-host', pid: 1, startedAt: changedAt });
      const claimed = await tx.outbound.claim({ owner: 'crashed-worker', now: new Date(), leaseMs: 120_000, onlyConnection: f.connection.id });
      expect(claimed?.id).toBe(op.id);
      return op.id;
    });
    await f.patchRecord(sysId, { state: '2' }, USERS.svc);

    // A ServiceNow user then sets state 1; the app pushes it and the companion applies it.
    await f.patchRecord(sysId, { state: '1' });
    const userVersion = Number((await f.record(sysId, ['sys_mod_count'])).sys_mod_count);
    await waitFor(async () => (await store.incidents.getLink(declared.id))!.lastAppliedModCount >= userVersion, { message: 'the user\'s push was applied' });
    const writesBefore = await f.writes();

    // The companion restarts: the dead worker's write is free, and is re-decided before it is sent.
    await store.owners.reclaim('crashed-worker', new Date());
    f.companion.engine.wake();
    const op = await waitFor(async () => (await store.outbound.listForIncident(declared.id)).find((o) => o.id === opId && o.state === 'done'));
    expect(op.payload.fields?.status).toBeUndefined();
    expect((await f.record(sysId, ['state'])).state).toBe('1');
    expect((await f.writes()).patch).toBe(writesBefore.patch);
  }, 60_000);

  // The PostgreSQL fault suite found this one: a replica killed between its write landing and its
  // answer being recorded, with a ServiceNow user's later change landing just before that write.
  it('a write that landed over a later ServiceNow change, its worker dead before recording it, gives the later change back when taken over', async () => {
    const declared = await f.declare({ name: 'Overwritten', status: 'investigating', severity: 'minor' });
    const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
    const store = f.companion.store.sync;
    const opId = await sentByReplicaThatDies(f, declared.id, 'killed-replica', { name: 'Renamed in incident.io' });
    // A ServiceNow user renames it (later than incident.io's change); the app pushes it and the
    // companion applies it while the write is still in flight (so the write wins for then) ...
    await f.patchRecord(sysId, { short_description: 'Renamed in ServiceNow' });
    const userVersion = Number((await f.record(sysId, ['sys_mod_count'])).sys_mod_count);
    await waitFor(async () => (await store.incidents.getLink(declared.id))!.lastAppliedModCount >= userVersion, { message: "the user's push was applied" });
    // ... then the write lands over it, and the worker dies before recording the answer.
    await f.patchRecord(sysId, { short_description: 'Renamed in incident.io' }, USERS.svc);

    await store.owners.reclaim('killed-replica', new Date());
    f.companion.engine.wake();
    await waitFor(async () => (await store.outbound.listForIncident(declared.id)).find((o) => o.id === opId && o.state === 'done'));
    await f.synced(declared.id);
    expect((await f.record(sysId, ['short_description'])).short_description).toBe('Renamed in ServiceNow');
    expect((await f.incident(declared.id)).name).toBe('Renamed in ServiceNow');
  }, 60_000);

  it("a dead replica's landed write shown by a later push of someone else's change is not taken for that person's change", async () => {
    const declared = await f.declare({ name: 'Landed, then noted', status: 'investigating', severity: 'minor' });
    const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
    const store = f.companion.store.sync;
    const opId = await sentByReplicaThatDies(f, declared.id, 'killed-replica-3', { severity: 'critical' });
    // The write lands (critical: impact 1, urgency 1) and its replica dies before recording it; then
    // ServiceNow users change other fields. Their pushes show the new priority, which they did not change.
    await f.patchRecord(sysId, { impact: '1', urgency: '1' }, USERS.svc);
    await f.patchRecord(sysId, { short_description: 'Landed, then noted (EU)' });
    await f.patchRecord(sysId, { description: 'Failing over' });
    const userVersion = Number((await f.record(sysId, ['sys_mod_count'])).sys_mod_count);
    await waitFor(async () => (await store.incidents.getLink(declared.id))!.lastAppliedModCount >= userVersion, { message: "the users' pushes were applied" });

    await store.owners.reclaim('killed-replica-3', new Date());
    f.companion.engine.wake();
    await waitFor(async () => (await store.outbound.listForIncident(declared.id)).find((o) => o.id === opId && o.state === 'done'));
    await f.synced(declared.id);
    // Nobody in ServiceNow changed the severity: nothing is restored, and critical stays on both sides.
    const updates = (await store.outbound.listForIncident(declared.id)).filter((o) => o.kind === 'update');
    expect(updates.map((o) => o.id)).toEqual([opId]);
    expect(await f.record(sysId, ['impact', 'urgency'])).toEqual({ impact: '1', urgency: '1' });
    expect((await f.incident(declared.id)).severity).toBe('critical');
  }, 60_000);

  it("the same, with the ServiceNow user's push still in the app's outbox when the write is taken over", async () => {
    const declared = await f.declare({ name: 'Overwritten, push late', status: 'investigating', severity: 'minor' });
    const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
    const store = f.companion.store.sync;
    const opId = await sentByReplicaThatDies(f, declared.id, 'killed-replica-2', { name: 'Renamed in incident.io' });
    // The app cannot deliver: the user's rename waits in its outbox while the write lands over it.
    expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 1 } } })).status).toBe(200);
    try {
      await f.patchRecord(sysId, { short_description: 'Renamed in ServiceNow' });
      await f.patchRecord(sysId, { short_description: 'Renamed in incident.io' }, USERS.svc);
      await store.owners.reclaim('killed-replica-2', new Date());
      f.companion.engine.wake();
      await waitFor(async () => (await store.outbound.listForIncident(declared.id)).find((o) => o.id === opId && o.state === 'done'), { timeoutMs: 30_000 });
      await f.synced(declared.id);
    } finally {
      expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 0 } } })).status).toBe(200);
    }
    expect((await f.record(sysId, ['short_description'])).short_description).toBe('Renamed in ServiceNow');
    expect((await f.incident(declared.id)).name).toBe('Renamed in ServiceNow');
  }, 60_000);
});

describe('a queued write and a ServiceNow change the companion has not heard of yet (kill -9, then the pushes wait in the app\'s outbox)', () => {
  let f: SyncFixture;
  // Polling once an hour: the companion hears of the user's change only if it reads the record itself.
  beforeAll(async () => {
    f = await startPollingFixture({ companion: { pollIntervalMs: 3_600_000 } });
  }, 60_000);
  afterAll(async () => f?.close());

  it('reads the record before the first send: the later ServiceNow change to a field wins, the write\'s other fields are sent', async () => {
    const declared = await f.declare({ name: 'Unheard change', summary: 'first', severity: 'minor' });
    const linked = await f.synced(declared.id);
    const sysId = linked.servicenow!.sys_id;
    const store = f.companion.store.sync;
    const link = (await store.incidents.getLink(declared.id))!;

    // A ServiceNow user changes the description (the companion has not heard of it) ...
    await f.patchRecord(sysId, { description: 'from servicenow' });
    // ... after incident.io changed the summary (5 s earlier) and, as a separate field, the name
    // (5 s after): a write of both, queued before the crash and never sent, goes out now.
    const before = new Date(Date.now() - 5_000);
    const after = new Date(Date.now() + 5_000);
    const writesBefore = await f.writes();
    const opId = await store.transaction(async (tx) => {
      const incident = (await tx.incidents.getIncident(declared.id))!;
      await tx.incidents.updateIncident(incident.id, incident.version, { summary: 'from incident.io', name: 'Renamed later' }, before);
      const basis = { serviceNowModCount: link.lastAppliedModCount, incidentVersion: incident.version + 1 };
      const op = await tx.outbound.enqueue({
        incidentId: incident.id,
        connectionId: f.connection.id,
        kind: 'update',
        payload: {
          fields: {
            summary: { value: 'from incident.io', changedAt: before.toISOString(), basis },
            name: { value: 'Renamed later', changedAt: after.toISOString(), basis },
          },
        },
        createdAt: before,
      });
      return op.id;
    });
    f.companion.engine.wake();
    const op = await waitFor(async () => (await store.outbound.listForIncident(declared.id)).find((o) => o.id === opId && o.state === 'done'));
    expect(op.payload.fields?.summary).toBeUndefined();
    expect(op.payload.fields?.name?.value).toBe('Renamed later');
    const record = await f.record(sysId, ['description', 'short_description']);
    expect(record).toEqual({ description: 'from servicenow', short_description: 'Renamed later' });
    const view = await f.incident(declared.id);
    expect([view.summary, view.name]).toEqual(['from servicenow', 'Renamed later']);
    expect((await f.writes()).patch).toBe(writesBefore.patch + 1);
  }, 60_000);

  it('a field a person sets to the value it has, while a write of it is open, is queued again with its time: it beats an older ServiceNow change on its way', async () => {
    const declared = await f.declare({ name: 'Set again', severity: 'minor' });
    const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
    const store = f.companion.store.sync;
    // incident.io set major 10 s ago; its write is still open (held by a worker that died, on another host).
    const link = (await store.incidents.getLink(declared.id))!;
    const changedAt = new Date(Date.now() - 10_000);
    await store.transaction(async (tx) => {
      const incident = (await tx.incidents.getIncident(declared.id))!;
      await tx.incidents.updateIncident(incident.id, incident.version, { severity: 'major' }, changedAt);
      await tx.outbound.enqueue({
        incidentId: incident.id,
        connectionId: f.connection.id,
        kind: 'update',
        payload: { fields: { severity: { value: 'major', changedAt: changedAt.toISOString(), basis: { serviceNowModCount: link.lastAppliedModCount, incidentVersion: incident.version + 1 } } } },
        createdAt: changedAt,
      });
      await tx.owners.register({ id: 'dead-worker', host: 'another-host', pid: 1, startedAt: changedAt });
      await tx.outbound.claim({ owner: 'dead-worker', now: new Date(), leaseMs: 120_000, onlyConnection: f.connection.id });
    });
    // A ServiceNow user sets critical (the companion has not heard of it: no poll); later incident.io's responder sets major again.
    await f.patchRecord(sysId, { impact: '1', urgency: '1' });
    expect((await f.api('PATCH', `/api/incidents/${declared.id}`, { severity: 'major' })).status).toBe(200);
    await store.owners.reclaim('dead-worker', new Date());
    f.companion.engine.wake();
    await f.synced(declared.id);
    expect(await f.record(sysId, ['impact', 'urgency'])).toEqual({ impact: '1', urgency: '2' });
    expect((await f.incident(declared.id)).severity).toBe('major');
  }, 60_000);
});
