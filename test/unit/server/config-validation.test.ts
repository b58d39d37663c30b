import fc from 'fast-check';
import crypto from 'node:crypto';
import { readConfig } from '../../../src/server/lib/config';
import { base64ByteLength, validateConfigUpdate, webhookUrlProblem } from '../../../src/server/lib/config-validation';
import { fakeProperties } from '../../helpers/fake-glide';

const current = readConfig(fakeProperties(), '');
const context = { userExists: (name: string) => name === 'svc_incident_io', current };
const secret = crypto.randomBytes(32).toString('base64');

describe('webhookUrlProblem', () => {
  it.each(['https://companion.example.com/webhooks/servicenow/acme', 'https://example.com', 'https://10.0.0.5:8443/x?y=1', 'http://127.0.0.1:3000/webhooks/servicenow/local', 'http://localhost/hook', 'http://[::1]:3000/'])(
    'accepts %s',
    (url) => expect(webhookUrlProblem(url)).toBeNull(),
  );

  it.each([
    ['http://example.com/hook', 'non-loopback'],
    ['http://127.0.0.1.evil.com/', 'non-loopback'],
    ['ftp://example.com/', 'not a URL'],
    ['https://user:pass@example.com/', 'not a URL'],
    ['example.com/hook', 'not a URL'],
    ['https://exa mple.com/', 'not a URL'],
    ['', 'empty'],
    ['https://example.com:99999/', 'invalid port'],
  ])('refuses %s (%s) with a message naming what is accepted', (url, why) => {
    const problem = webhookUrlProblem(url);
    expect(problem).toContain(why);
  });
});

describe('base64ByteLength', () => {
  it('counts decoded bytes of standard base64 and rejects anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), (bytes) => {
        expect(base64ByteLength(Buffer.from(bytes).toString('base64'))).toBe(bytes.length);
      }),
    );
    expect(base64ByteLength('abc')).toBe(-1);
    expect(base64ByteLength('ab_-')).toBe(-1);
    expect(base64ByteLength('')).toBe(-1);
  });
});

describe('validateConfigUpdate', () => {
  it('accepts a full Connect configuration', () => {
    const result = validateConfigUpdate(
      { webhook_url: 'https://hooks.example.com/x', signing_secret: secret, integration_user: 'svc_incident_io', enabled: true },
      context,
    );
    expect(result).toEqual({
      ok: true,
      update: { webhook_url: 'https://hooks.example.com/x', signing_secret: secret, integration_user: 'svc_incident_io', enabled: true },
    });
  });

  it('accepts a partial change, e.g. turning pushes off', () => {
    expect(validateConfigUpdate({ enabled: false }, context)).toEqual({ ok: true, update: { enabled: false } });
  });

  it('reports every problem at once, without echoing the secret', () => {
    const weak = 'c2hvcnQ=';
    const result = validateConfigUpdate(
      { webhook_url: 'http://example.com', signing_secret: weak, integration_user: 'nobody', enabled: 'yes', colour: 'red' },
      context,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(5);
    expect(result.errors.join('\n')).toMatch(/unknown setting "colour"/);
    expect(result.errors.join('\n')).toMatch(/http:\/\/ is accepted only for a loopback host/);
    expect(result.errors.join('\n')).toMatch(/openssl rand -base64 32/);
    expect(result.errors.join('\n')).toMatch(/"nobody" is not a user/);
    expect(result.errors.join('\n')).toMatch(/enabled must be true or false/);
    expect(result.errors.join('\n')).not.toContain(weak);
  });

  it('refuses to enable pushes with no URL or secret, set now or before', () => {
    const result = validateConfigUpdate({ enabled: true }, context);
    expect(result).toEqual({ ok: false, errors: ['pushes cannot be enabled before webhook_url and signing_secret are set'] });
    const configured = { ...current, webhookUrl: 'https://a.example', signingSecret: secret };
    expect(validateConfigUpdate({ enabled: true }, { ...context, current: configured }).ok).toBe(true);
  });

  it('takes a follow-up table that extends task, and names what is wrong with any other', () => {
    const hierarchy: Record<string, string[]> = { problem: ['problem', 'task'], sys_user: ['sys_user'] };
    const withTables = { ...context, tableHierarchy: (table: string) => hierarchy[table] ?? [] };
    expect(validateConfigUpdate({ follow_up_table: ' problem ' }, withTables)).toEqual({ ok: true, update: { follow_up_table: 'problem' } });
    expect(validateConfigUpdate({ follow_up_table: 'incident' }, withTables)).toEqual({ ok: true, update: { follow_up_table: 'incident' } });
    expect(validateConfigUpdate({ follow_up_table: 'u_nothing' }, withTables)).toEqual({ ok: false, errors: ['follow_up_table "u_nothing" is not a table on this instance'] });
    expect(validateConfigUpdate({ follow_up_table: 'sys_user' }, withTables)).toEqual({
      ok: false,
      errors: ['follow_up_table "sys_user" does not extend task (it extends nothing): follow-ups must be task records'],
    });
    expect(validateConfigUpdate({ follow_up_table: 'problem^ORactive=true' }, withTables)).toEqual({ ok: false, errors: ['follow_up_table must be a table name such as "problem"'] });
  });

  it.each([null, [], 'x', 42, {}])('refuses a body that is not a non-empty object: %p', (body) => {
    expect(validateConfigUpdate(body, context).ok).toBe(false);
  });

  it('never throws, whatever the body', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const result = validateConfigUpdate(body, context);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });
});
