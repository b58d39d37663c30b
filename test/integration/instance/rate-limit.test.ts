import { seedEdits } from '../../../src/instance';
import { USERS, useInstance, type Credentials } from '../../helpers/instance';

describe('inbound rate limits (sys_rate_limit_rules)', () => {
  const sn = useInstance({
    seed: (s) => {
      seedEdits.addRateLimit(s, { name: 'Everyone', type: 'all', rate_limit: 4 });
      seedEdits.addRateLimit(s, { name: 'ITIL admins', type: 'role', role: 'itil_admin', rate_limit: 3 });
      seedEdits.addRateLimit(s, { name: 'Incident managers', type: 'role', role: 'incident_manager', rate_limit: 2 });
      seedEdits.addRateLimit(s, { name: 'Service account', type: 'user', user: 'svc_incident_io', rate_limit: 6 });
    },
  });

  const ruleId = (name: string): string => sn().engine.query('sys_rate_limit_rules', { query: `name=${name}` }).records[0].sysId;
  const hit = (who: Credentials) => sn().request('GET', '/api/now/table/incident', { auth: who, query: { sysparm_limit: 1, sysparm_fields: 'number' } });

  async function exhaust(who: Credentials, limit: number, rule: string): Promise<void> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (let i = 0; i < limit; i++) {
      const res = await hit(who);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe(String(limit));
      expect(res.headers.get('x-ratelimit-rule')).toBe(ruleId(rule));
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThan(nowSeconds);
      expect(reset).toBeLessThanOrEqual(nowSeconds + 3600);
      expect(reset % 3600).toBe(0);
    }
    const refused = await hit(who);
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error: { message: 'Rate limit exceeded', detail: expect.stringContaining(rule) }, status: 'failure' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.headers.get('x-ratelimit-limit')).toBe(String(limit));
  }

  it('applies the all-users rule to a user with no more specific rule', async () => {
    await exhaust(USERS.itil, 4, 'Everyone');
  });

  it('prefers a role rule to the all-users rule', async () => {
    await exhaust(USERS.itilAdmin, 3, 'ITIL admins');
  });

  it('prefers a single-user rule to role rules, even a stricter one', async () => {
    await exhaust(USERS.svc, 6, 'Service account');
  });

  it('counts per user and leaves the token endpoint alone', async () => {
    const token = await sn().tokens(USERS.admin);
    expect(token.access_token).toBeTruthy();
    const res = await sn().request('GET', '/api/now/table/incident', { auth: { bearer: token.access_token }, query: { sysparm_limit: 1 } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe('4');
  });
});

describe('a shorter rate-limit window (rateLimitWindowSeconds, an emulator setting for tests)', () => {
  const sn = useInstance({
    rateLimitWindowSeconds: 600,
    seed: (s) => seedEdits.addRateLimit(s, { name: 'Service account', type: 'user', user: 'svc_incident_io', rate_limit: 1 }),
  });

  it('counts per window of that length, aligned on multiples of it, and says when it resets', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const first = await sn().request('GET', '/api/now/table/incident', { auth: USERS.svc, query: { sysparm_limit: 1 } });
    expect(first.status).toBe(200);
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    expect(reset % 600).toBe(0);
    expect(reset).toBeGreaterThan(nowSeconds);
    expect(reset).toBeLessThanOrEqual(nowSeconds + 601);
    const refused = await sn().request('GET', '/api/now/table/incident', { auth: USERS.svc, query: { sysparm_limit: 1 } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(600);
    expect(refused.json).toMatchObject({ error: { detail: expect.stringContaining('allows 1 requests per 600 seconds') } });
  });
});
