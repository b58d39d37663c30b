import { Secret, type Connection } from '../../../../src/companion/store';
import { fieldOfFailure, parseConnectForm } from '../../../../src/companion/web/connect-form';

/** The Connect page's form: stored secrets kept only for the same instance, errors per field. */

const stored: Connection = {
  id: 'c1',
  name: 'acme',
  instanceUrl: 'https://acme.service-now.com',
  mode: 'realtime',
  clientId: 'client',
  clientSecret: new Secret('stored-client-secret'),
  username: 'svc',
  password: new Secret('stored-password'),
  publicUrl: 'https://companion.example.com',
  signingSecret: new Secret('signing'),
  previousSigningSecret: null,
  signingSecretRotatedAt: null,
  integrationUser: 'svc',
  createdAt: new Date(),
  updatedAt: new Date(),
  lastCheck: null,
};

const base = { instance: 'acme', client_id: 'client', username: 'svc', client_secret: '', password: '', name: 'acme', public_url: '' };

describe('parseConnectForm', () => {
  it('keeps the stored secrets when the secret fields are empty and the instance is the same', () => {
    const parsed = parseConnectForm(base, stored, 'http://127.0.0.1:3000');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.settings.clientSecret.reveal()).toBe('stored-client-secret');
    expect(parsed.settings.password.reveal()).toBe('stored-password');
    expect(parsed.settings.publicUrl).toBe('http://127.0.0.1:3000');
  });

  it('uses newly typed secrets instead', () => {
    const parsed = parseConnectForm({ ...base, client_secret: 'new-secret' }, stored, 'http://127.0.0.1:3000');
    expect(parsed.ok && parsed.settings.clientSecret.reveal()).toBe('new-secret');
    expect(parsed.ok && parsed.settings.password.reveal()).toBe('stored-password');
  });

  it('never sends a stored secret to another instance: the fields are then required', () => {
    const parsed = parseConnectForm({ ...base, instance: 'https://evil.example.com' }, stored, 'http://127.0.0.1:3000');
    expect(parsed).toEqual({ ok: false, errors: { client_secret: expect.stringContaining('client secret'), password: expect.stringContaining('password') } });
  });

  it('names every field at fault', () => {
    const parsed = parseConnectForm({ instance: 'not a host', name: 'Bad Name', public_url: 'ftp://x' }, undefined, 'http://127.0.0.1:3000');
    expect(parsed.ok).toBe(false);
    expect(Object.keys(!parsed.ok ? parsed.errors : {}).sort()).toEqual(['client_id', 'client_secret', 'instance', 'name', 'password', 'public_url', 'username']);
  });
});

describe('fieldOfFailure', () => {
  it.each([
    ['instance-reachable', null, 'instance'],
    ['oauth-token', 'step 2', 'client_secret'],
    ['oauth-token', 'step 3', 'password'],
    ['service-account-roles', 'step 3', 'username'],
    ['push-configured', 'step 5', null],
  ])('%s (%s) → %s', (id, step, field) => {
    expect(fieldOfFailure({ id, ok: false, message: 'x', step })).toBe(field);
    expect(fieldOfFailure({ id, ok: true, message: 'x', step })).toBeNull();
  });
});
