import { setTimeout as sleep } from 'node:timers/promises';
import { seedEdits } from '../../../src/instance';
import { OAUTH_CLIENT, USERS, useInstance, type TestInstance, type TokenBody } from '../../helpers/instance';

const OPAQUE = { error_description: 'access_denied', error: 'server_error' };

const passwordGrant = (user: string, password: string, client: { id: string; secret: string } = OAUTH_CLIENT): Record<string, string> => ({
  grant_type: 'password',
  client_id: client.id,
  client_secret: client.secret,
  username: user,
  password,
});

const refreshGrant = (refreshToken: string, client: { id: string; secret: string } = OAUTH_CLIENT): Record<string, string> => ({
  grant_type: 'refresh_token',
  client_id: client.id,
  client_secret: client.secret,
  refresh_token: refreshToken,
});

async function apiStatus(sn: TestInstance, token: string): Promise<number> {
  return (await sn.request('GET', '/api/now/table/incident', { auth: { bearer: token }, query: { sysparm_limit: 1 } })).status;
}

describe('OAuth: /oauth_token.do', () => {
  const sn = useInstance({
    seed: (s) => {
      seedEdits.addUser(s, { user_name: 'locked.user', password: 'locked-pw', roles: ['itil'], locked_out: true });
      seedEdits.addUser(s, { user_name: 'gone.user', password: 'gone-pw', roles: ['itil'], active: false });
      s.oauthClients.push({ name: 'short lived', client_id: 'short-client', client_secret: 'short-secret', access_token_lifespan: 60, refresh_token_lifespan: 120 });
      s.oauthClients.push({ name: 'disabled', client_id: 'disabled-client', client_secret: 'disabled-secret', active: false });
    },
  });

  it('grants tokens for a password grant, in the platform’s shape, usable as Bearer', async () => {
    const res = await sn().tokenRequest(passwordGrant(USERS.svc.user, USERS.svc.password));
    expect(res.status).toBe(200);
    const body = res.json as TokenBody;
    expect(Object.keys(body)).toEqual(['scope', 'token_type', 'expires_in', 'refresh_token', 'access_token']);
    expect(body).toMatchObject({ scope: 'useraccount', token_type: 'Bearer', expires_in: 1800 });
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(body.refresh_token).not.toBe(body.access_token);
    expect(await apiStatus(sn(), body.access_token)).toBe(200);
  });

  it('returns the current access token while it is still valid', async () => {
    const first = await sn().tokens(USERS.itil);
    const second = await sn().tokens(USERS.itil);
    expect(second.access_token).toBe(first.access_token);
    expect(second.refresh_token).toBe(first.refresh_token);
    expect(second.expires_in).toBeLessThanOrEqual(first.expires_in);
  });

  it('takes each application’s token lifespans', async () => {
    const body = await sn().tokens(USERS.admin, { id: 'short-client', secret: 'short-secret' });
    expect(body.expires_in).toBe(60);
  });

  it('grants a token for a refresh_token grant', async () => {
    const first = await sn().tokens(USERS.itilAdmin);
    const res = await sn().tokenRequest(refreshGrant(first.refresh_token));
    expect(res.status).toBe(200);
    const body = res.json as TokenBody;
    expect(body.refresh_token).toBe(first.refresh_token);
    expect(await apiStatus(sn(), body.access_token)).toBe(200);
  });

  it.each([
    ['a wrong password', passwordGrant(USERS.svc.user, 'wrong')],
    ['an unknown user', passwordGrant('nobody', 'x')],
    ['a locked-out user', passwordGrant('locked.user', 'locked-pw')],
    ['an inactive user', passwordGrant('gone.user', 'gone-pw')],
    ['an unknown client', passwordGrant(USERS.svc.user, USERS.svc.password, { id: 'nope', secret: 'nope' })],
    ['a wrong client secret', passwordGrant(USERS.svc.user, USERS.svc.password, { id: OAUTH_CLIENT.id, secret: 'wrong' })],
    ['an inactive client', passwordGrant(USERS.svc.user, USERS.svc.password, { id: 'disabled-client', secret: 'disabled-secret' })],
    ['an unknown refresh token', refreshGrant('not-a-refresh-token')],
    ['a missing grant_type', { client_id: OAUTH_CLIENT.id, client_secret: OAUTH_CLIENT.secret }],
    ['an unsupported grant_type', { ...passwordGrant(USERS.svc.user, USERS.svc.password), grant_type: 'client_credentials' }],
  ])('refuses %s with the opaque 401', async (_why, form) => {
    const res = await sn().tokenRequest(form);
    expect(res.status).toBe(401);
    expect(res.json).toEqual(OPAQUE);
  });

  it('refuses a refresh token of another client', async () => {
    const body = await sn().tokens(USERS.svc);
    const res = await sn().tokenRequest(refreshGrant(body.refresh_token, { id: 'short-client', secret: 'short-secret' }));
    expect(res.status).toBe(401);
  });

  it('answers a JSON body with an unspecific server error', async () => {
    const res = await sn().request('POST', '/oauth_token.do', { auth: null, body: passwordGrant(USERS.svc.user, USERS.svc.password) });
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ error: 'server_error' });
  });

  it('refuses Basic auth for locked-out and inactive users like a wrong password', async () => {
    for (const auth of [
      { user: 'locked.user', password: 'locked-pw' },
      { user: 'gone.user', password: 'gone-pw' },
    ]) {
      const res = await sn().request('GET', '/api/now/table/incident', { auth });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' });
    }
  });

  it('stops honouring a token when its user is locked out afterwards', async () => {
    const token = await sn().tokenFor(USERS.itil);
    const user = await sn().list('sys_user', { sysparm_query: 'user_name=itil.user', sysparm_fields: 'sys_id' });
    const id = String(user.result[0].sys_id);
    // Basic auth known to work just before (the user's row is kept until sys_user is written).
    expect((await sn().request('GET', '/api/now/table/incident', { auth: USERS.itil })).status).toBe(200);
    await sn().request('PATCH', `/api/now/table/sys_user/${id}`, { body: { locked_out: 'true' } });
    try {
      expect(await apiStatus(sn(), token)).toBe(401);
      expect((await sn().request('GET', '/api/now/table/incident', { auth: USERS.itil })).status).toBe(401);
    } finally {
      await sn().request('PATCH', `/api/now/table/sys_user/${id}`, { body: { locked_out: 'false' } });
    }
    expect(await apiStatus(sn(), token)).toBe(200);
    expect((await sn().request('GET', '/api/now/table/incident', { auth: USERS.itil })).status).toBe(200);
  });
});

describe('OAuth: token expiry with short lifetimes', () => {
  // Every wait starts after the token it outlives was issued, so a slow machine only makes them longer.
  const sn = useInstance({ tokenLifetimes: { accessSeconds: 0.5, refreshSeconds: 1.5 } });

  it('expires access tokens (401), refreshes them, then expires the refresh token', async () => {
    const first = await sn().tokens(USERS.svc);
    expect(first.expires_in).toBe(1);
    expect(await apiStatus(sn(), first.access_token)).toBe(200);
    await sleep(600);
    expect(await apiStatus(sn(), first.access_token)).toBe(401);
    const refreshed = await sn().tokenRequest(refreshGrant(first.refresh_token));
    expect(refreshed.status).toBe(200);
    const second = refreshed.json as TokenBody;
    expect(second.access_token).not.toBe(first.access_token);
    expect(await apiStatus(sn(), second.access_token)).toBe(200);
    // A new password grant after expiry issues a new token, not the expired one.
    await sleep(600);
    const third = await sn().tokens(USERS.svc);
    expect(third.access_token).not.toBe(second.access_token);
    await sleep(400);
    const late = await sn().tokenRequest(refreshGrant(first.refresh_token));
    expect(late.status).toBe(401);
    expect(late.json).toEqual(OPAQUE);
  });
});
