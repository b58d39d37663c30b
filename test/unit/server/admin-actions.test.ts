import crypto from 'node:crypto';
import { queueTestEvent, resendEvent, testEventBlocker, type TestEventDeps } from '../../../src/server/lib/admin-actions';
import { deliverQueuedEvent } from '../../../src/server/lib/delivery';
import { queueIncidentChange } from '../../../src/server/lib/queue';
import { buildStatus } from '../../../src/server/lib/status';
import { checkPushEvent } from '../../../src/shared/push-event-schema';
import { AppFixture, ok } from '../../helpers/app-fixture';
import { recordOf } from '../../helpers/fake-glide';
import { verifyPushSignature } from '../../../src/companion/webhooks/verify-signature';

function testEventDeps(app: AppFixture): TestEventDeps {
  return { config: app.config, store: app.store(), instance: 'acme', nowMs: app.db.nowMs, guid: () => crypto.randomBytes(16).toString('hex') };
}

function queueChange(app: AppFixture): string {
  const result = queueIncidentChange(app.incident(), recordOf({}), 'update', app.queueDeps());
  if (!('queued' in result)) throw new Error(result.skipped);
  return result.outboxSysId;
}

describe('Send test event', () => {
  it('queues a ping that matches the push schema, carries no incident, and is delivered signed like any push', () => {
    const app = new AppFixture();
    const result = queueTestEvent(testEventDeps(app));
    expect(result.ok).toBe(true);
    const [row] = app.outbox();
    expect(row).toMatchObject({ event_type: 'ping', incident_sys_id: 'ping', state: 'queued' });
    expect(row!.incident ?? '').toBe('');
    const body = JSON.parse(row!.payload!);
    expect(body).toEqual({ schema_version: 1, event_id: row!.event_id, type: 'ping', occurred_at: expect.stringMatching(/Z$/), instance: 'acme' });
    expect(checkPushEvent(body)).toEqual({ ok: true });

    deliverQueuedEvent(row!.sys_id!, app.deliveryDeps(), row!.incident_sys_id);
    expect(app.requests).toHaveLength(1);
    const sent = app.requests[0]!;
    expect(sent.body).toBe(row!.payload);
    expect(() =>
      verifyPushSignature({ rawBody: Buffer.from(sent.body), signatureHeader: sent.headers['X-Incident-Io-Signature'], secrets: [app.secret], nowSeconds: Math.floor(app.db.nowMs / 1000) }),
    ).not.toThrow();
    expect(app.outbox()[0]).toMatchObject({ state: 'delivered', last_http_status: '200' });
    expect(buildStatus({ config: app.config, store: app.store(), nowMs: app.db.nowMs, instance: 'acme' }).last_test_event).toMatchObject({ event_id: row!.event_id, state: 'delivered', http_status: 200 });
  });

  it('refuses, saying what to do, when not configured, disabled or on a clone; queues nothing', () => {
    const app = new AppFixture();
    app.config = { ...app.config, webhookUrl: '' };
    expect(queueTestEvent(testEventDeps(app))).toEqual({ ok: false, message: expect.stringContaining('incident-sn connect') });
    app.config = { ...app.config, webhookUrl: 'https://hooks.example.com/x', enabled: false };
    expect(testEventBlocker(app.config)).toContain('x_incident_io.enabled');
    app.config = { ...app.config, enabled: true, clone: { recorded: { name: 'prod', url: 'https://prod.service-now.com/' }, current: { name: 'dev', url: 'https://dev.service-now.com/' } } };
    const clone = queueTestEvent(testEventDeps(app));
    expect(clone.ok).toBe(false);
    expect(clone.message).toContain('prod');
    expect(app.outbox()).toHaveLength(0);
  });

  it('the schema refuses a ping that carries an incident, and an incident event without one', () => {
    const ping = { schema_version: 1, event_id: 'a'.repeat(32), type: 'ping', occurred_at: '2026-01-01T00:00:00Z', instance: 'acme' };
    expect(checkPushEvent({ ...ping, sequence: 1 }).ok).toBe(false);
    expect(checkPushEvent({ ...ping, type: 'incident.updated' }).ok).toBe(false);
  });
});

describe('Resend', () => {
  it('requeues a dead or failed event from its first attempt; refuses queued and delivered ones', () => {
    const app = new AppFixture();
    const sysId = queueChange(app);
    expect(resendEvent(app.store(), sysId, app.db.nowMs)).toEqual({ ok: false, message: expect.stringContaining('only failed or dead') });
    app.respond = () => ok(503, {}, 'down');
    app.config = { ...app.config, maxAttempts: 1 };
    deliverQueuedEvent(sysId, app.deliveryDeps());
    expect(app.outbox()[0]).toMatchObject({ state: 'dead', attempts: '1' });

    app.advance(60);
    const result = resendEvent(app.store(), sysId, app.db.nowMs);
    expect(result).toEqual({ ok: true, message: expect.stringContaining('queued again'), outboxSysId: sysId });
    expect(app.outbox()[0]).toMatchObject({ state: 'queued', attempts: '0', last_error: '' });

    app.respond = () => ok(200);
    deliverQueuedEvent(sysId, app.deliveryDeps());
    expect(app.outbox()[0]).toMatchObject({ state: 'delivered' });
    expect(resendEvent(app.store(), sysId, app.db.nowMs).ok).toBe(false);
    expect(resendEvent(app.store(), 'f'.repeat(32), app.db.nowMs)).toEqual({ ok: false, message: expect.stringContaining('No outbox event') });
  });
});
