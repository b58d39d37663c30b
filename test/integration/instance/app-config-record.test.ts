import { APP_API, configurePush, startAppInstance, type PushConfig } from '../../helpers/app-instance';
import { USERS, type TestInstance } from '../../helpers/instance';

/**
 * The signing secret in the app's configuration record, on the local instance with the real build:
 * encrypted at rest, read back in clear only by getDecryptedValue() from the app's scope, never
 * through the Table API, the health API or another scope.
 */

let sn: TestInstance;
let push: PushConfig;

beforeAll(async () => {
  sn = await startAppInstance({ scheduler: false });
  push = await configurePush(sn, 'https://hooks.example.com/incident-io');
});

afterAll(async () => {
  await sn?.close();
});

function script(text: string, scope: string, user = 'admin'): { ok: boolean; value: unknown; message: string } {
  const outcome = sn.runtime.run({ kind: 'script', name: 'config record test', scope, script: text, session: sn.engine.sessionForUser(user) ?? undefined });
  return outcome.ok ? { ok: true, value: outcome.value, message: '' } : { ok: false, value: null, message: outcome.message };
}

const READ = `var gr = new GlideRecord('x_incident_io_config'); gr.get('name', 'default');`;

describe('the configuration record', () => {
  it('holds the secret PUT /config set, encrypted at rest (the property of 1.0.0 stays empty)', () => {
    const rows = sn.engine.query('x_incident_io_config', { query: 'name=default' }).records;
    expect(rows).toHaveLength(1);
    const stored = rows[0]!.values.signing_secret!;
    expect(stored).not.toContain(push.secret);
    expect(sn.engine.decrypt(stored)).toBe(push.secret);
    expect(sn.engine.getProperty('x_incident_io.signing_secret')).toBe('');
  });

  it('reads back encrypted through getValue() and in clear through getDecryptedValue(), in the app scope', () => {
    const stored = sn.engine.query('x_incident_io_config', { query: 'name=default' }).records[0]!.values.signing_secret;
    expect(script(`${READ} return [gr.getValue('signing_secret'), gr.signing_secret.toString(), gr.signing_secret.getDisplayValue()];`, 'x_incident_io').value).toEqual([stored, stored, '']);
    expect(script(`${READ} return gr.getElement('signing_secret').getDecryptedValue();`, 'x_incident_io').value).toBe(push.secret);
  });

  it('refuses getDecryptedValue() to another scope, and setValue() of a clear secret', () => {
    sn.engine.insert('sys_scope', { scope: 'x_snoop', name: 'Another app' });
    const other = script(`${READ} return gr.signing_secret.getDecryptedValue();`, 'x_snoop');
    expect(other).toMatchObject({ ok: false });
    expect(other.message).toContain("Access to api 'getDecryptedValue(signing_secret)' from scope 'x_snoop' has been refused");
    const plain = script(`${READ} gr.setValue('signing_secret', 'not-encrypted'); gr.update();`, 'x_incident_io');
    expect(plain.message).toMatch(/expects encrypted data/);
    expect(sn.engine.decrypt(sn.engine.query('x_incident_io_config', { query: 'name=default' }).records[0]!.values.signing_secret!)).toBe(push.secret);
  });

  it('is closed to the Table API (allowWebServiceAccess false), for the service account and for admin', async () => {
    for (const auth of [USERS.svc, USERS.admin]) {
      const res = await sn.request('GET', '/api/now/table/x_incident_io_config', { auth });
      expect(res.status).toBe(403);
      expect(res.text).not.toContain(push.secret);
    }
    // The outbox stays reachable (its table allows web services).
    expect((await sn.request('GET', '/api/now/table/x_incident_io_outbound_event', { auth: USERS.svc })).status).toBe(200);
  });

  it('is readable only with x_incident_io.admin: the service account and ITIL users see no row (GlideRecordSecure applies the ACLs)', () => {
    const count = `var gr = new GlideRecordSecure('x_incident_io_config'); gr.query(); var n = 0; while (gr.next()) n++; return n;`;
    expect(script(count, 'x_incident_io', 'svc_incident_io').value).toBe(0);
    expect(script(count, 'x_incident_io', 'itil.user').value).toBe(0);
    // admin holds every role on the local instance, x_incident_io.admin included.
    expect(script(count, 'x_incident_io', 'admin').value).toBe(1);
  });

  it('GET /health says a secret is set, and never carries it', async () => {
    const res = await sn.request('GET', `${APP_API}/health`, { auth: USERS.svc });
    expect(res.status).toBe(200);
    expect((res.json as { result: { config: { signing_secret_set: boolean } } }).result.config.signing_secret_set).toBe(true);
    expect(res.text).not.toContain(push.secret);
  });
});
