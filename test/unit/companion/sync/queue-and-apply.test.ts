import { Secret, type Connection } from '../../../../src/companion/store';
import { ConnectionRegistry } from '../../../../src/companion/sync/connection-registry';
import { IncidentService } from '../../../../src/companion/sync/incident-service';
import { InboundProcessor } from '../../../../src/companion/sync/inbound-processor';
import { DEFAULT_MAPPING } from '../../../../src/companion/sync/mapping';
import { SyncMetrics } from '../../../../src/companion/sync/metrics';
import { orderKeyOf, type InboundChange } from '../../../../src/companion/sync/servicenow-record';
import { silentLogger } from '../../../../src/shared/logger';
import { tempDataDir } from '../../../helpers/command-io';
import { openTestStore, STORE_BACKENDS, type TestStore } from '../../../helpers/store-backends';

/**
 * The incident.io side over the real store, without ServiceNow: what each change queues
 * (creation, coalesced updates, notes, in order), and what applying a ServiceNow change does to
 * the incident and to writes still queued (the later change wins; applying queues nothing).
 */

let data: ReturnType<typeof tempDataDir>;
let store: TestStore;
let connection: Connection;
let registry: ConnectionRegistry;
let service: IncidentService;
let now: Date;
const SYS_ID = 'd'.repeat(32);

describe.each(STORE_BACKENDS)('on %s', (backend) => {
  beforeEach(async () => {
    now = new Date('2026-03-01T12:00:00.000Z');
    data = tempDataDir();
    store = await openTestStore(backend, { dir: data.dir });
    connection = (
      await store.saveConnection({
        name: 'acme',
        instanceUrl: 'http://127.0.0.1:9',
        mode: 'polling',
        clientId: 'c',
        clientSecret: new Secret('s'),
        username: 'svc',
        password: new Secret('p'),
        publicUrl: 'http://127.0.0.1:3000',
        signingSecret: null,
        integrationUser: 'svc',
      })
    ).connection;
    registry = new ConnectionRegistry(store, { logger: silentLogger() });
    service = new IncidentService({ store, registry, clock: () => now, onQueued: () => undefined });
  });
  afterEach(async () => {
    await registry.close();
    await store.close();
    data.remove();
  });

  const tick = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };

  async function ops(incidentId: string) {
    return (await store.sync.outbound.listForIncident(incidentId)).map((o) => ({ kind: o.kind, state: o.state, fields: Object.fromEntries(Object.entries(o.payload.fields ?? {}).map(([k, v]) => [k, v!.value])), note: o.payload.note?.body }));
  }

  async function declareLinked(): Promise<string> {
    const { incident } = await service.declare({ name: 'DB down', summary: '', status: 'investigating', severity: 'major', lead: null });
    const [create] = await store.sync.outbound.listForIncident(incident.id);
    const claimed = await store.sync.outbound.claim({ owner: 'w', now, leaseMs: 60_000 });
    expect(claimed!.id).toBe(create!.id);
    await store.sync.outbound.complete(create!.id, 'w', { modCount: 0, status: 201, at: now });
    await store.sync.incidents.insertLink(
      {
        incidentId: incident.id,
        connectionId: connection.id,
        sysId: SYS_ID,
        number: 'INC0010001',
        lastAppliedModCount: 0,
        lastWrittenModCount: 0,
        snapshot: { short_description: 'DB down', description: '', state: '2', priority: '2', impact: '1', urgency: '2', assigned_to: '', 'assigned_to.email': '', assignment_group: '', 'assignment_group.name': '', close_code: '', close_notes: '' },
      },
      now,
    );
    return incident.id;
  }

  describe('what incident.io changes queue', () => {
    it('declaring queues one create with every field; changes before it is sent are merged into it', async () => {
      const { incident } = await service.declare({ name: 'API errors', summary: 's', status: 'triage', severity: 'minor', lead: 'a@example.com' });
      tick(1);
      await service.update(incident.id, { name: 'API errors (EU)', severity: 'critical' });
      tick(1);
      await service.update(incident.reference, { lead: null });
      expect(await ops(incident.id)).toEqual([
        { kind: 'create', state: 'pending', fields: { name: 'API errors (EU)', summary: 's', status: 'triage', severity: 'critical', lead: null }, note: undefined },
      ]);
    });

    it('a change while a write is being sent, or after a note, is queued after it: order is kept', async () => {
      const id = await declareLinked();
      await service.update(id, { name: 'v2' });
      await store.sync.outbound.claim({ owner: 'w', now, leaseMs: 60_000 });
      await service.update(id, { name: 'v3' });
      await service.addUpdate(id, { message: 'note' });
      await service.update(id, { severity: 'critical' });
      await service.update(id, { name: 'v4' });
      expect((await ops(id)).slice(1)).toEqual([
        { kind: 'update', state: 'sending', fields: { name: 'v2' }, note: undefined },
        { kind: 'update', state: 'pending', fields: { name: 'v3' }, note: undefined },
        { kind: 'note', state: 'pending', fields: {}, note: 'note' },
        { kind: 'update', state: 'pending', fields: { severity: 'critical', name: 'v4' }, note: undefined },
      ]);
    });

    it('a change to the same values is queued with its time (a ServiceNow change on its way is older); a record deleted in ServiceNow gets no more writes', async () => {
      const id = await declareLinked();
      const before = await service.get(id);
      await service.update(id, { name: 'DB down', severity: 'major' });
      expect((await service.get(id)).incident.version).toBe(before.incident.version);
      const queued = await store.sync.outbound.listOpen(id);
      expect(queued).toHaveLength(1);
      expect(queued[0]!.payload.fields).toEqual({
        name: expect.objectContaining({ value: 'DB down', changedAt: now.toISOString() }),
        severity: expect.objectContaining({ value: 'major', changedAt: now.toISOString() }),
      });
      await store.sync.incidents.updateLink(id, { state: 'deleted', deletedAt: now }, now);
      const after = await service.update(id, { name: 'changed' });
      await service.addUpdate(id, { message: 'still noted here' });
      expect(after.incident.name).toBe('changed');
      expect(await ops(id)).toHaveLength(2);
      expect((await service.get(id, { withUpdates: true })).updates!.map((u) => u.message)).toEqual(['still noted here']);
    });
  });

  describe('applying a ServiceNow change', () => {
    let processor: InboundProcessor;
    const metrics = new SyncMetrics({ outbound: async () => ({ pending: 0, sending: 0, done: 0, dead: 0, canceled: 0 }), inbound: async () => ({ pending: 0, processing: 0, done: 0, failed: 0 }) }, { defaultMetrics: false });

    beforeEach(() => {
      processor = new InboundProcessor({
        store,
        registry,
        mapping: DEFAULT_MAPPING,
        metrics,
        logger: silentLogger(),
        owner: 'inbound-test',
        clock: () => now,
        random: () => 0.5,
        leaseMs: 10_000,
        maxAttempts: 3,
        backoff: { baseMs: 10, maxMs: 10 },
      });
    });

    async function receive(sequence: number, occurredAt: Date, changes: Record<string, string>, eventId = `e${sequence}`) {
      const link = (await store.sync.incidents.getLinkBySysId(connection.id, SYS_ID))!;
      const change: InboundChange = {
        type: 'incident.updated',
        sequence,
        occurredAt: occurredAt.toISOString().slice(0, 19) + 'Z',
        changedFields: Object.keys(changes),
        record: { sysId: SYS_ID, number: 'INC0010001', modCount: sequence, updatedAt: occurredAt.toISOString(), updatedBy: 'itil.user', active: true, correlationId: null, snapshot: { ...link.snapshot, ...changes } },
      };
      await store.sync.inbound.record({ connectionId: connection.id, eventId, source: 'push', type: change.type, incidentSysId: SYS_ID, sequence, orderKey: orderKeyOf(change.type, sequence, now), occurredAt, receivedAt: now, payload: change });
      expect(await processor.step(new AbortController().signal)).toBe(true);
      return (await store.sync.inbound.get(connection.id, eventId))!;
    }

    it('applies it without queuing any write (no echo)', async () => {
      const id = await declareLinked();
      const event = await receive(1, now, { short_description: 'DB down (EU)', state: '6', close_code: 'Solution provided', close_notes: 'ok' });
      expect(event).toMatchObject({ state: 'done', outcome: 'applied' });
      expect((await service.get(id)).incident).toMatchObject({ name: 'DB down (EU)', status: 'resolved' });
      expect(await ops(id)).toHaveLength(1);
      expect(await store.sync.incidents.getLink(id)).toMatchObject({ lastAppliedModCount: 1 });
    });

    it('a ServiceNow change later than a queued incident.io change wins, and is dropped from the queued write', async () => {
      const id = await declareLinked();
      await service.update(id, { name: 'from incident.io', severity: 'critical' });
      tick(5);
      await receive(1, now, { short_description: 'from ServiceNow' });
      expect((await service.get(id)).incident).toMatchObject({ name: 'from ServiceNow', severity: 'critical' });
      expect((await ops(id))[1]).toEqual({ kind: 'update', state: 'pending', fields: { severity: 'critical' }, note: undefined });
    });

    it('an incident.io change later than ServiceNow\'s wins: it stays queued and overwrites ServiceNow', async () => {
      const id = await declareLinked();
      const before = now;
      tick(5);
      await service.update(id, { name: 'from incident.io' });
      const event = await receive(1, before, { short_description: 'from ServiceNow' });
      expect(event.outcome).toBe('conflict');
      expect((await service.get(id)).incident.name).toBe('from incident.io');
      expect((await ops(id))[1]!.fields).toEqual({ name: 'from incident.io' });
      // The link knows ServiceNow's value, so the queued write is still needed and sent.
      expect((await store.sync.incidents.getLink(id))!.snapshot.short_description).toBe('from ServiceNow');
    });

    it('an older sequence after a newer one changes nothing (stale)', async () => {
      const id = await declareLinked();
      await receive(5, now, { short_description: 'seq 5' });
      const stale = await receive(3, now, { short_description: 'seq 3', state: '7', close_code: 'x', close_notes: 'y' });
      expect(stale.outcome).toBe('stale');
      expect((await service.get(id)).incident).toMatchObject({ name: 'seq 5', status: 'investigating' });
    });
  });
});
