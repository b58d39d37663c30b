import { deliverQueuedEvent } from '../../../src/server/lib/delivery';
import { DEFERRED_LOOKUP, resolvePayloadReferences } from '../../../src/server/lib/payload';
import { queueIncidentChange } from '../../../src/server/lib/queue';
import { recordReferenceLookup } from '../../../src/server/lib/reference-lookup';
import { AppFixture } from '../../helpers/app-fixture';
import { FakeGlideRecord, recordOf } from '../../helpers/fake-glide';

/**
 * The business rule queues references by sys_id only (no read inside the user's transaction); the
 * delivery names them before signing, and stores the named payload so a retry sends the same body.
 */
describe('references named at delivery', () => {
  function queueWithDeferredLookup(app: AppFixture, values: Record<string, string>) {
    const incident = app.incident(values);
    const current = new FakeGlideRecord(app.db, 'incident');
    current.get(incident.getUniqueValue());
    current.setValue('short_description', 'changed');
    current.setValue('sys_mod_count', '1');
    const result = queueIncidentChange(current, recordOf({ short_description: 'before' }), 'update', { ...app.queueDeps(), lookup: DEFERRED_LOOKUP });
    if (!('queued' in result)) throw new Error(result.skipped);
    return result;
  }

  it('queues the sys_ids with empty names, and the push carries the names', () => {
    const app = new AppFixture();
    const group = app.db.insert('sys_user_group', { name: 'Network' });
    const alice = app.users.alice;
    const queued = queueWithDeferredLookup(app, { assignment_group: group.sys_id!, caller_id: alice.sys_id! });
    expect(queued.queued.incident.assignment_group).toEqual({ sys_id: group.sys_id, name: '' });
    expect(queued.queued.incident.caller).toEqual({ sys_id: alice.sys_id, name: '', user_name: '', email: '' });

    const result = deliverQueuedEvent(queued.outboxSysId, { ...app.deliveryDeps(), lookup: recordReferenceLookup(app.db.factory()) });
    expect(result.delivered).toBe(1);
    const sent = JSON.parse(app.requests[0]!.body) as { incident: Record<string, unknown> };
    expect(sent.incident.assignment_group).toEqual({ sys_id: group.sys_id, name: 'Network' });
    expect(sent.incident.caller).toEqual({ sys_id: alice.sys_id, name: 'Alice Able', user_name: 'alice', email: 'alice@example.com' });
    // Stored as sent: a resend or retry carries the same body.
    expect(app.outbox()[0]!.payload).toBe(app.requests[0]!.body);
  });

  it('leaves a reference to a deleted record unnamed, and a payload with nothing to name untouched', () => {
    const app = new AppFixture();
    const lookup = recordReferenceLookup(app.db.factory());
    const queued = queueWithDeferredLookup(app, { assignment_group: 'ffffffffffffffffffffffffffffffff' });
    const payload = JSON.stringify(queued.queued);
    expect(resolvePayloadReferences(payload, lookup)).toBeNull();
    const plain = queueWithDeferredLookup(new AppFixture(), {});
    expect(resolvePayloadReferences(JSON.stringify(plain.queued), lookup)).toBeNull();
  });
});
