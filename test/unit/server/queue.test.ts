import { queueAttachment, queueIncidentChange, queueIncidentDeletion, queueJournalEntry } from '../../../src/server/lib/queue';
import { checkPushEvent } from '../../../src/shared/push-event-schema';
import { AppFixture } from '../../helpers/app-fixture';
import { recordOf } from '../../helpers/fake-glide';

function queued(result: ReturnType<typeof queueIncidentChange>) {
  if (!('queued' in result)) throw new Error(`expected an event, got skipped: ${result.skipped}`);
  return result.queued;
}

describe('queueing incident changes', () => {
  let app: AppFixture;
  beforeEach(() => {
    app = new AppFixture();
  });

  it('queues incident.created with a full snapshot that matches the schema', () => {
    const current = app.incident({
      assigned_to: app.users.alice!.sys_id!,
      assignment_group: app.group.sys_id!,
      cmdb_ci: app.ci.sys_id!,
      caller_id: app.users.bob!.sys_id!,
      priority: '1',
    });
    const event = queued(queueIncidentChange(current, null, 'insert', app.queueDeps()));
    expect(checkPushEvent(event)).toEqual({ ok: true });
    expect(event.type).toBe('incident.created');
    expect(event.sequence).toBe(0);
    expect(event.instance).toBe('acme');
    expect(event.changed_fields).toEqual(expect.arrayContaining(['short_description', 'state', 'assigned_to', 'cmdb_ci']));
    expect(event.incident).toMatchObject({
      number: 'INC0010001',
      state: '1',
      state_label: 'New',
      priority: '1',
      priority_label: '1 - Critical',
      active: true,
      assigned_to: { sys_id: app.users.alice!.sys_id, name: 'Alice Able', user_name: 'alice', email: 'alice@example.com' },
      assignment_group: { sys_id: app.group.sys_id, name: 'Database' },
      cmdb_ci: { sys_id: app.ci.sys_id, name: 'db-prod-1' },
      caller: { user_name: 'bob' },
      business_service: null,
    });
    expect(event.occurred_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const [row] = app.outbox();
    expect(row).toMatchObject({
      event_id: event.event_id,
      event_type: 'incident.created',
      state: 'queued',
      attempts: '0',
      incident: current.getUniqueValue(),
      incident_sys_id: current.getUniqueValue(),
      incident_number: 'INC0010001',
      sequence: '0',
    });
    expect(JSON.parse(row!.payload!)).toEqual(event);
  });

  it('queues incident.updated listing only the synced fields that changed', () => {
    const current = app.incident({ state: '2', sys_mod_count: '3' });
    const previous = app.incident({ state: '1', sys_mod_count: '2' });
    const event = queued(queueIncidentChange(current, previous, 'update', app.queueDeps()));
    expect(event.type).toBe('incident.updated');
    expect(event.changed_fields).toEqual(['state']);
    expect(event.sequence).toBe(3);
    expect(checkPushEvent(event)).toEqual({ ok: true });
  });

  it('queues nothing when only unsynced fields changed', () => {
    const current = app.incident({ sys_mod_count: '4' });
    const result = queueIncidentChange(current, current, 'update', app.queueDeps());
    expect(result).toEqual({ skipped: 'no synced field changed' });
    expect(app.outbox()).toHaveLength(0);
  });

  it('never echoes the integration user’s own changes', () => {
    app.userName = 'SVC_INCIDENT_IO';
    const result = queueIncidentChange(app.incident(), null, 'insert', app.queueDeps());
    expect(result).toEqual({ skipped: 'made by the integration user (no echo)' });
    expect(app.outbox()).toHaveLength(0);
  });

  it('queues nothing while pushes are disabled', () => {
    app.config = { ...app.config, enabled: false };
    expect('skipped' in queueIncidentChange(app.incident(), null, 'insert', app.queueDeps())).toBe(true);
    expect(app.outbox()).toHaveLength(0);
  });

  it('queues incident.deleted one sequence past the last update', () => {
    const event = queued(queueIncidentDeletion(app.incident({ sys_mod_count: '7' }), app.queueDeps()));
    expect(event.type).toBe('incident.deleted');
    expect(event.sequence).toBe(8);
    expect(event.changed_fields).toEqual([]);
    expect(checkPushEvent(event)).toEqual({ ok: true });
  });

  describe('journal entries', () => {
    function journal(incidentSysId: string, values: { [k: string]: string } = {}) {
      return recordOf({
        sys_id: 'f'.repeat(32),
        name: 'incident',
        element: 'work_notes',
        element_id: incidentSysId,
        value: 'Failing over to the replica',
        sys_created_by: 'alice',
        sys_created_on: '2026-01-15 12:00:00',
        ...values,
      });
    }

    it('queue incident.journal with the entry and the incident snapshot', () => {
      const incident = app.incident({ sys_mod_count: '2' });
      const event = queued(queueJournalEntry(journal(incident.getUniqueValue()), app.queueDeps()));
      expect(event.type).toBe('incident.journal');
      expect(event.sequence).toBe(2);
      expect(event.journal).toEqual({
        sys_id: 'f'.repeat(32),
        element: 'work_notes',
        value: 'Failing over to the replica',
        author: 'alice',
        created_on: '2026-01-15T12:00:00Z',
      });
      expect(event.incident.sys_id).toBe(incident.getUniqueValue());
      expect(checkPushEvent(event)).toEqual({ ok: true });
    });

    it('skip entries written by the integration user, other tables and other fields', () => {
      const incident = app.incident();
      const id = incident.getUniqueValue();
      expect(queueJournalEntry(journal(id, { sys_created_by: 'svc_incident_io' }), app.queueDeps())).toEqual({
        skipped: 'made by the integration user (no echo)',
      });
      expect(queueJournalEntry(journal(id, { name: 'problem' }), app.queueDeps())).toEqual({ skipped: 'not an incident journal entry' });
      expect('skipped' in queueJournalEntry(journal(id, { element: 'approval_history' }), app.queueDeps())).toBe(true);
      expect(queueJournalEntry(journal('0'.repeat(32)), app.queueDeps())).toEqual({
        skipped: 'the incident of the journal entry no longer exists',
      });
      expect(app.outbox()).toHaveLength(0);
    });
  });

  describe('attachments', () => {
    function attachment(incidentSysId: string, values: { [k: string]: string } = {}) {
      return recordOf({
        sys_id: 'a'.repeat(32),
        table_name: 'incident',
        table_sys_id: incidentSysId,
        file_name: 'graph.png',
        content_type: 'image/png',
        size_bytes: '2048',
        sys_created_by: 'alice',
        sys_created_on: '2026-01-15 12:00:00',
        ...values,
      });
    }

    it('queue incident.attachment with metadata only and the incident snapshot', () => {
      const incident = app.incident({ sys_mod_count: '3' });
      const event = queued(queueAttachment(attachment(incident.getUniqueValue()), app.queueDeps()));
      expect(event.type).toBe('incident.attachment');
      expect(event.sequence).toBe(3);
      expect(event.changed_fields).toEqual([]);
      expect(event.attachment).toEqual({
        sys_id: 'a'.repeat(32),
        file_name: 'graph.png',
        content_type: 'image/png',
        size_bytes: 2048,
        author: 'alice',
        created_on: '2026-01-15T12:00:00Z',
      });
      expect(event.journal).toBeUndefined();
      expect(checkPushEvent(event)).toEqual({ ok: true });
      expect(checkPushEvent({ ...event, attachment: undefined })).toMatchObject({ ok: false });
      expect(checkPushEvent({ ...event, type: 'incident.updated' })).toMatchObject({ ok: false });
    });

    it('skip files of other tables, by the integration user, or of a deleted incident', () => {
      const id = app.incident().getUniqueValue();
      expect(queueAttachment(attachment(id, { table_name: 'problem' }), app.queueDeps())).toEqual({ skipped: 'not an attachment of an incident' });
      expect(queueAttachment(attachment(id, { sys_created_by: 'svc_incident_io' }), app.queueDeps())).toEqual({ skipped: 'made by the integration user (no echo)' });
      expect(queueAttachment(attachment('0'.repeat(32)), app.queueDeps())).toEqual({ skipped: 'the incident of the attachment no longer exists' });
      expect(app.outbox()).toHaveLength(0);
    });
  });

  it('orders an incident’s events by sequence, then kind', () => {
    const incident = app.incident({ sys_mod_count: '1' });
    const deps = app.queueDeps();
    queueIncidentDeletion(incident, deps);
    queueJournalEntry(recordOf({ sys_id: 'e'.repeat(32), name: 'incident', element: 'comments', element_id: incident.getUniqueValue(), value: 'hi', sys_created_by: 'bob' }), deps);
    queueIncidentChange(incident, recordOf({ state: '9' }), 'update', deps);
    expect(app.outbox().map((r) => r.event_type)).toEqual(['incident.updated', 'incident.journal', 'incident.deleted']);
  });
});
