import type { ServiceNowConnection } from '../../../../src/companion/client/connection';
import {
  InvalidIdentifierError,
  ServiceNowHttpError,
  ServiceNowServerError,
  UnexpectedAppResponseError,
} from '../../../../src/companion/client/errors';
import { SyncApiClient } from '../../../../src/companion/client/sync-api-client';
import { answer, FakeServiceNow } from '../../../helpers/fake-servicenow';
import { connectToFake } from '../../../helpers/servicenow-client';

describe('SyncApiClient (against a fake instance over HTTP)', () => {
  let fake: FakeServiceNow;
  let connection: ServiceNowConnection;
  let sync: SyncApiClient;

  beforeEach(async () => {
    fake = await FakeServiceNow.start();
    connection = connectToFake(fake).connection;
    sync = new SyncApiClient(connection);
  });
  afterEach(async () => {
    await connection.close();
    await fake.close();
  });

  const fullHealth = {
    app: { scope: 'x_incident_io', version: '1.2.3' },
    instance: 'acme',
    time: '2026-01-01T00:00:00.000Z',
    config: { enabled: true, webhook_url: 'https://example.com/hook', signing_secret_set: true, integration_user: 'svc', delivering: true },
    outbox: { queued: 2, sending: 0, delivered: 5, failed: 0, dead: 0 },
    oldest_pending_age_seconds: 12,
    last_delivery: null,
    caller: {
      user_name: 'svc',
      roles: { 'x_incident_io.api_user': true, cmdb_read: true, sn_cmdb_user: true, incident_manager: true, admin: false },
      task_access: { create: true, read: true, write: true },
    },
  };

  it('reads the app\'s health, keeping every field, unknown ones included', async () => {
    fake.health = { ...fullHealth, added_by_a_newer_app: 1 };
    await expect(sync.health()).resolves.toEqual({ ...fullHealth, added_by_a_newer_app: 1 });
    expect(fake.apiRequests()[0]).toMatchObject({ method: 'GET', path: '/api/x_incident_io/v1/sync/health' });
  });

  it('refuses a health answer that is not an object', async () => {
    fake.once({ path: '/api/x_incident_io/v1/sync/health' }, answer.json(200, { result: 'ok' }));
    await expect(sync.health()).rejects.toBeInstanceOf(UnexpectedAppResponseError);
  });

  it('refuses a health answer without the fields Connect relies on, naming them', async () => {
    const { caller: _caller, ...withoutCaller } = fullHealth;
    fake.health = { ...withoutCaller, config: { ...fullHealth.config, delivering: 'yes' } };
    const error = await sync.health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedAppResponseError);
    expect((error as Error).message).toContain('config.delivering');
    expect((error as Error).message).toContain('caller');
  });

  it('reports a missing app with ServiceNow\'s words', async () => {
    fake.health = null;
    const error = await sync.health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceNowHttpError);
    expect(error).toMatchObject({ status: 400, serviceNowMessage: 'Requested URI does not represent any resource' });
  });

  it('configures with PUT /config (retried) and resends with POST /resend (not retried)', async () => {
    fake.once({ path: '/api/x_incident_io/v1/sync/config' }, answer.serviceUnavailable());
    await expect(sync.configure({ webhook_url: 'https://example.com/hook', enabled: true })).resolves.toEqual({
      received: { webhook_url: 'https://example.com/hook', enabled: true },
    });
    fake.once({ path: '/api/x_incident_io/v1/sync/resend' }, answer.serviceUnavailable());
    await expect(sync.resend({ incident: 'INC0010001' })).rejects.toBeInstanceOf(ServiceNowServerError);
    await expect(sync.resend({ since: '2025-01-01 00:00:00' })).resolves.toEqual({ requeued: 0 });
    expect(fake.apiRequests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /api/x_incident_io/v1/sync/config',
      'PUT /api/x_incident_io/v1/sync/config',
      'POST /api/x_incident_io/v1/sync/resend',
      'POST /api/x_incident_io/v1/sync/resend',
    ]);
  });

  it('calls any path of the API generically, refusing paths that leave it', async () => {
    await expect(sync.callScriptedApi('GET', '/health')).resolves.toMatchObject({ app: { scope: 'x_incident_io' } });
    await expect(sync.callScriptedApi('GET', '../../now/table/sys_user')).rejects.toBeInstanceOf(InvalidIdentifierError);
    await expect(sync.callScriptedApi('GET', 'health?x=1')).rejects.toBeInstanceOf(InvalidIdentifierError);
    expect(fake.apiRequests()).toHaveLength(1);
  });
});
