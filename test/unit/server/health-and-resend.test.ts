import fs from 'node:fs';
import path from 'node:path';
import { APP_VERSION } from '../../../src/server/lib/constants';
import { deliverQueuedEvent } from '../../../src/server/lib/delivery';
import { buildHealth, type CallerInfo } from '../../../src/server/lib/health';
import { queueIncidentChange } from '../../../src/server/lib/queue';
import { validateResendRequest } from '../../../src/server/lib/resend-request';
import { AppFixture, ok } from '../../helpers/app-fixture';
import { recordOf } from '../../helpers/fake-glide';

const caller: CallerInfo = {
  user_name: 'svc_incident_io',
  roles: { 'x_incident_io.api_user': true, cmdb_read: true, sn_cmdb_user: false, incident_manager: true, admin: false },
  task_access: { create: true, read: true, write: false },
};

function queueOne(app: AppFixture, number: string): string {
  const incident = app.incident({ number });
  const result = queueIncidentChange(incident, recordOf({}), 'update', app.queueDeps());
  if (!('queued' in result)) throw new Error(result.skipped);
  return result.outboxSysId;
}

describe('health', () => {
  it('reports version, configuration without the secret, outbox counts, oldest pending age and the last delivery', () => {
    const app = new AppFixture();
    app.respond = (r) => (r.body.includes('INC0000002') ? ok(502, {}, 'Bad Gateway') : ok(200));
    const first = queueOne(app, 'INC0000001');
    deliverQueuedEvent(first, app.deliveryDeps());
    app.advance(90);
    queueOne(app, 'INC0000002');
    app.advance(30);
    const second = app.db.rows('x_incident_io_outbound_event').find((r) => r.incident_number === 'INC0000002')!;
    deliverQueuedEvent(second.sys_id!, app.deliveryDeps());

    const health = buildHealth({ config: app.config, store: app.store(), nowMs: app.db.nowMs, instance: 'acme', caller });
    expect(health).toEqual({
      app: { scope: 'x_incident_io', version: APP_VERSION },
      instance: 'acme',
      time: new Date(app.db.nowMs).toISOString(),
      config: {
        enabled: true,
        webhook_url: app.config.webhookUrl,
        signing_secret_set: true,
        integration_user: 'svc_incident_io',
        follow_up_table: 'incident',
        delivering: true,
      },
      outbox: { queued: 0, sending: 0, delivered: 1, failed: 1, dead: 0 },
      oldest_pending_age_seconds: 30,
      last_delivery: expect.objectContaining({ state: 'failed', http_status: 502, error: 'HTTP 502: Bad Gateway', event_id: second.event_id }),
      clone_detected: null,
      caller,
    });
    expect(JSON.stringify(health)).not.toContain(app.secret);
  });

  it('has no oldest pending age or last delivery on an empty outbox', () => {
    const app = new AppFixture();
    const health = buildHealth({ config: app.config, store: app.store(), nowMs: app.db.nowMs, instance: 'acme', caller });
    expect(health.oldest_pending_age_seconds).toBeNull();
    expect(health.last_delivery).toBeNull();
    expect(health.outbox).toEqual({ queued: 0, sending: 0, delivered: 0, failed: 0, dead: 0 });
  });

  it('reports the same version as package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
    expect(APP_VERSION).toBe(pkg.version);
  });
});

describe('resend', () => {
  it('validates the request: exactly one of incident or since', () => {
    expect(validateResendRequest({ incident: 'INC0010001' })).toEqual({ ok: true, filter: { incident: 'INC0010001' } });
    expect(validateResendRequest({ incident: 'a'.repeat(32) })).toEqual({ ok: true, filter: { incident: 'a'.repeat(32) } });
    expect(validateResendRequest({ since: '2026-01-31T09:00:00Z' })).toEqual({ ok: true, filter: { since: '2026-01-31 09:00:00' } });
    expect(validateResendRequest({ since: '2026-01-31 09:00:00' })).toEqual({ ok: true, filter: { since: '2026-01-31 09:00:00' } });
    for (const bad of [null, {}, { incident: 'x', since: 'y' }, { incident: 'DROP TABLE' }, { incident: 'INC1^ORactive=true' }, { since: 'last week' }, { incident: 7 }]) {
      const result = validateResendRequest(bad);
      expect(result.ok).toBe(false);
    }
  });

  it('requeues one incident’s delivered, failed and dead events, by number or sys_id', () => {
    const app = new AppFixture();
    const a = queueOne(app, 'INC0000001');
    const b = queueOne(app, 'INC0000002');
    deliverQueuedEvent(a, app.deliveryDeps());
    deliverQueuedEvent(b, app.deliveryDeps());
    app.store().update(a, { state: 'dead', attempts: 5 });

    expect(app.store().requeue({ incident: 'INC0000001' }, '2026-02-01 00:00:00')).toBe(1);
    const rowA = app.db.rows('x_incident_io_outbound_event').find((r) => r.sys_id === a)!;
    expect(rowA).toMatchObject({ state: 'queued', attempts: '0', next_attempt_at: '2026-02-01 00:00:00', last_error: '' });
    expect(app.db.rows('x_incident_io_outbound_event').find((r) => r.sys_id === b)!.state).toBe('delivered');

    const incidentB = app.db.rows('x_incident_io_outbound_event').find((r) => r.sys_id === b)!.incident_sys_id!;
    expect(app.store().requeue({ incident: incidentB }, '2026-02-01 00:00:00')).toBe(1);
    // Already queued events are left alone.
    expect(app.store().requeue({ incident: 'INC0000001' }, '2026-02-01 00:00:00')).toBe(0);
  });

  it('requeues everything queued since a time', () => {
    const app = new AppFixture();
    const early = queueOne(app, 'INC0000001');
    app.advance(3600);
    const late = queueOne(app, 'INC0000002');
    deliverQueuedEvent(early, app.deliveryDeps());
    deliverQueuedEvent(late, app.deliveryDeps());
    const since = app.db.rows('x_incident_io_outbound_event').find((r) => r.sys_id === late)!.sys_created_on!;
    expect(app.store().requeue({ since }, since)).toBe(1);
  });
});
