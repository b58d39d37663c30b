import { cloneMessage, detectClone, discardedByCloneError } from '../../../src/server/lib/clone-guard';
import { canDeliver } from '../../../src/server/lib/config';
import { drainIncident } from '../../../src/server/lib/delivery';
import { buildHealth } from '../../../src/server/lib/health';
import { queueIncidentChange } from '../../../src/server/lib/queue';
import { AppFixture } from '../../helpers/app-fixture';

const PROD = { name: 'acme', url: 'https://acme.service-now.com/' };
const DEV = { name: 'acme-dev', url: 'https://acme-dev.service-now.com/' };

describe('detectClone', () => {
  it('finds none when nothing was recorded (before the first PUT /config, or an app upgraded from 1.0.0)', () => {
    expect(detectClone(null, PROD)).toBeNull();
    expect(detectClone({ name: '', url: '  ' }, PROD)).toBeNull();
  });

  it('finds none on the same instance, whatever the URL’s case or trailing slash', () => {
    expect(detectClone(PROD, { name: 'acme', url: 'https://ACME.service-now.com' })).toBeNull();
  });

  it('finds a clone when the name or the URL differs, with both identities', () => {
    expect(detectClone(PROD, DEV)).toEqual({ recorded: PROD, current: DEV });
    expect(detectClone(PROD, { name: 'acme', url: DEV.url })).toEqual({ recorded: PROD, current: { name: 'acme', url: DEV.url } });
    expect(detectClone(PROD, { name: 'acme-dev', url: PROD.url })).not.toBeNull();
  });

  it('says what happened and how to resume', () => {
    const message = cloneMessage({ recorded: PROD, current: DEV });
    expect(message).toContain('acme-dev (https://acme-dev.service-now.com/)');
    expect(message).toContain('PUT /api/x_incident_io/v1/sync/config');
    expect(discardedByCloneError({ recorded: PROD, current: { name: '', url: '' } })).toBe(
      'queued on acme (https://acme.service-now.com/) before it was cloned to (no instance_name) (no glide.servlet.uri); never sent from the clone',
    );
  });
});

describe('the app on a clone', () => {
  let app: AppFixture;
  beforeEach(() => {
    app = new AppFixture();
  });

  it('queues nothing, sends nothing of what is queued, and GET /health names both identities', () => {
    const queued = queueIncidentChange(app.incident(), null, 'insert', app.queueDeps());
    expect('queued' in queued).toBe(true);
    app.config = { ...app.config, clone: { recorded: PROD, current: DEV } };
    expect(canDeliver(app.config)).toBe(false);

    const skipped = queueIncidentChange(app.incident(), null, 'insert', app.queueDeps());
    expect(skipped).toEqual({ skipped: cloneMessage({ recorded: PROD, current: DEV }) });
    expect(app.outbox()).toHaveLength(1);

    const incident = app.outbox()[0]!.incident_sys_id;
    expect(drainIncident(incident, app.deliveryDeps()).delivered).toBe(0);
    expect(app.requests).toHaveLength(0);

    const health = buildHealth({ config: app.config, store: app.store(), nowMs: app.db.nowMs, instance: 'acme-dev', caller: { user_name: 'svc', roles: {}, task_access: { create: true, read: true, write: true } } });
    expect(health.clone_detected).toEqual({ recorded: PROD, current: DEV });
    expect(health.config.delivering).toBe(false);
  });

  it('discardPending marks every undelivered event dead with the reason, and leaves delivered ones alone', () => {
    for (let i = 0; i < 3; i++) queueIncidentChange(app.incident(), null, 'insert', app.queueDeps());
    const [first, second] = app.outbox();
    app.store().update(first!.sys_id, { state: 'delivered' });
    app.store().update(second!.sys_id, { state: 'failed' });
    expect(app.store().discardPending('cloned')).toBe(2);
    const byId = new Map(app.outbox().map((e) => [e.sys_id, e]));
    expect(byId.get(first!.sys_id!)!.state).toBe('delivered');
    expect(byId.get(second!.sys_id!)).toMatchObject({ state: 'dead', last_error: 'cloned' });
    expect(app.outbox().filter((e) => e.state === 'dead')).toHaveLength(2);
    expect(app.outbox().filter((e) => e.state === 'queued')).toHaveLength(0);
  });
});
