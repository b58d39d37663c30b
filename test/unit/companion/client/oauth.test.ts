import type { ServiceNowConnection } from '../../../../src/companion/client/connection';
import {
  OAuthError,
  ServiceNowAuthenticationError,
  ServiceNowRequestAbortedError,
  NotServiceNowError,
} from '../../../../src/companion/client/errors';
import { answer } from '../../../helpers/fake-servicenow';
import { useFakeServiceNow } from '../../../helpers/servicenow-client';

describe('OAuth token lifecycle (against a fake instance over HTTP)', () => {
  const sn = useFakeServiceNow();

  const connect = sn.connect;

  const list = (connection: ServiceNowConnection) =>
    connection.request({ method: 'GET', path: '/api/now/table/incident', query: { sysparm_limit: 1 } });

  it('gets a token with a form-encoded password grant and sends it as a bearer token', async () => {
    const { connection } = connect();
    await list(connection);
    const [tokenRequest] = sn.fake.tokenRequests();
    expect(tokenRequest!.method).toBe('POST');
    expect(tokenRequest!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest!.body))).toEqual({
      grant_type: 'password',
      client_id: sn.fake.account.clientId,
      client_secret: sn.fake.account.clientSecret,
      username: sn.fake.account.username,
      password: sn.fake.account.password,
    });
    expect(sn.fake.apiRequests()[0]!.headers.authorization).toMatch(/^Bearer at-[0-9a-f]+$/);
  });

  it('reuses the token while it is valid', async () => {
    const { connection } = connect();
    for (let i = 0; i < 5; i++) await list(connection);
    expect(sn.fake.tokenRequests()).toHaveLength(1);
    expect(new Set(sn.fake.apiRequests().map((r) => r.headers.authorization)).size).toBe(1);
  });

  it('renews with the refresh token shortly before expiry', async () => {
    const { connection, clock } = connect();
    await list(connection);
    // 1800 s lifetime, renewed 60 s before: at 1739 s still the same token, at 1741 s a new one.
    clock.advance(1_739_000);
    await list(connection);
    expect(sn.fake.tokenRequests()).toHaveLength(1);
    clock.advance(2_000);
    await list(connection);
    const grants = sn.fake.tokenRequests().map((r) => new URLSearchParams(r.body));
    expect(grants.map((g) => g.get('grant_type'))).toEqual(['password', 'refresh_token']);
    expect(grants[1]!.get('refresh_token')).toMatch(/^rt-/);
    expect(grants[1]!.get('client_id')).toBe(sn.fake.account.clientId);
    expect(grants[1]!.get('password')).toBeNull();
    const [a, b, c] = sn.fake.apiRequests().map((r) => r.headers.authorization);
    expect(a).toBe(b);
    expect(c).not.toBe(b);
  });

  it('falls back to a password grant when the refresh token is refused', async () => {
    const { connection, clock } = connect();
    await list(connection);
    sn.fake.revokeRefreshTokens();
    clock.advance(1_800_000);
    await expect(list(connection)).resolves.toMatchObject({ status: 200 });
    expect(sn.fake.tokenRequests().map((r) => new URLSearchParams(r.body).get('grant_type'))).toEqual([
      'password',
      'refresh_token',
      'password',
    ]);
  });

  it('makes exactly one token request when 20 calls start without a token', async () => {
    sn.fake.tokenDelayMs = 50;
    const { connection } = connect();
    const results = await Promise.all(Array.from({ length: 20 }, () => list(connection)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(sn.fake.tokenRequests()).toHaveLength(1);
  });

  it('makes exactly one token request when 20 calls race an expired token', async () => {
    const { connection, clock } = connect();
    await list(connection);
    const before = sn.fake.tokenRequests().length;
    sn.fake.tokenDelayMs = 50;
    clock.advance(1_800_000);
    await Promise.all(Array.from({ length: 20 }, () => list(connection)));
    expect(sn.fake.tokenRequests().length - before).toBe(1);
    expect(new URLSearchParams(sn.fake.tokenRequests()[1]!.body).get('grant_type')).toBe('refresh_token');
    expect(new Set(sn.fake.apiRequests().slice(1).map((r) => r.headers.authorization)).size).toBe(1);
  });

  it('after a 401 with a token it believed valid, renews once and retries once', async () => {
    const { connection } = connect();
    await list(connection);
    sn.fake.revokeAccessTokens();
    await expect(list(connection)).resolves.toMatchObject({ status: 200 });
    expect(sn.fake.tokenRequests()).toHaveLength(2);
    expect(sn.fake.apiRequests()).toHaveLength(3);
  });

  it('when 20 calls get a 401 for the same revoked token, renews it once', async () => {
    const { connection } = connect();
    await list(connection);
    sn.fake.revokeAccessTokens();
    sn.fake.tokenDelayMs = 30;
    const results = await Promise.all(Array.from({ length: 20 }, () => list(connection)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(sn.fake.tokenRequests()).toHaveLength(2);
  });

  it('does not throw away a renewed token when an older call\'s 401 arrives late', async () => {
    const { connection } = connect();
    await list(connection);
    const unauthenticated = answer.error(401, 'User Not Authenticated', 'Required to provide Auth information');
    sn.fake.once({ path: '/api/now/table/incident' }, unauthenticated);
    sn.fake.once({ path: '/api/now/table/incident' }, answer.delayed(100, unauthenticated));
    await Promise.all([list(connection), list(connection)]);
    // The late 401 was for the old token; the renewed one is kept.
    expect(sn.fake.tokenRequests()).toHaveLength(2);
  });

  it('gives up after the retry with a new token is refused too', async () => {
    const { connection } = connect();
    await list(connection);
    sn.fake.once({ path: '/api/now/table/incident' }, answer.error(401, 'User Not Authenticated', 'Required to provide Auth information'), 2);
    const error = await list(connection).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceNowAuthenticationError);
    expect(error).not.toBeInstanceOf(OAuthError);
    expect((error as ServiceNowAuthenticationError).status).toBe(401);
    expect((error as Error).message).toMatch(/twice/);
    expect((error as Error).message).toMatch(/step 3/);
    expect(sn.fake.apiRequests()).toHaveLength(3);
    expect(sn.fake.tokenRequests()).toHaveLength(2);
  });

  it.each([
    ['an unknown client id', { clientId: 'nope' }],
    ['a wrong client secret', { clientSecret: 'wrong-secret-123' }],
    ['a wrong password', { password: 'wrong-password-456' }],
    ['an unknown user', { username: 'nobody' }],
  ])('turns the opaque refusal for %s into an OAuthError that lists the causes', async (_name, wrong) => {
    const { connection } = connect({ credentials: { kind: 'password', ...sn.fake.account, ...wrong } });
    const error = (await list(connection).catch((e: unknown) => e)) as OAuthError;
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toBeInstanceOf(ServiceNowAuthenticationError);
    expect(error).toMatchObject({
      code: 'sn_oauth_failed',
      status: 401,
      grant: 'password',
      oauthError: 'server_error',
      oauthErrorDescription: 'access_denied',
      method: 'POST',
      path: '/oauth_token.do',
    });
    expect(error.message).toMatch(/client id is unknown, or the client secret is wrong.*step 2/);
    expect(error.message).toMatch(/username or password is wrong \(step 3\)/);
    expect(error.message).toMatch(/locked out, inactive, or has "Password needs reset" set \(step 3\)/);
    expect(error.message).toMatch(/Web service access only/);
    for (const secret of Object.values(wrong)) expect(error.message).not.toContain(secret);
    // A refused grant is not retried, and no API call is attempted.
    expect(sn.fake.tokenRequests()).toHaveLength(1);
    expect(sn.fake.apiRequests()).toHaveLength(0);
  });

  it('authenticate() checks the credentials without an API call', async () => {
    const good = connect().connection;
    await expect(good.authenticate()).resolves.toBeUndefined();
    const bad = connect({ credentials: { kind: 'password', ...sn.fake.account, password: 'x' } }).connection;
    await expect(bad.authenticate()).rejects.toBeInstanceOf(OAuthError);
    expect(sn.fake.apiRequests()).toHaveLength(0);
  });

  it('retries the token request after a 503', async () => {
    const { connection, clock } = connect();
    sn.fake.once({ path: '/oauth_token.do' }, answer.serviceUnavailable());
    await expect(list(connection)).resolves.toMatchObject({ status: 200 });
    expect(sn.fake.tokenRequests()).toHaveLength(2);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('refuses a token answer without an access token as not ServiceNow', async () => {
    const { connection } = connect();
    sn.fake.once({ path: '/oauth_token.do' }, answer.json(200, { token_type: 'Bearer' }));
    await expect(list(connection)).rejects.toBeInstanceOf(NotServiceNowError);
  });

  it('refuses an HTML token endpoint as not ServiceNow', async () => {
    const { connection } = connect();
    sn.fake.once({ path: '/oauth_token.do' }, answer.html(404));
    const error = (await list(connection).catch((e: unknown) => e)) as NotServiceNowError;
    expect(error).toBeInstanceOf(NotServiceNowError);
    expect(error.bodyKind).toBe('html');
  });

  it('lets one waiter give up on a slow grant without cancelling it for the others', async () => {
    sn.fake.tokenDelayMs = 150;
    const { connection } = connect();
    const controller = new AbortController();
    const cancelled = connection.request({ method: 'GET', path: '/api/now/table/incident', signal: controller.signal });
    const patient = list(connection);
    setTimeout(() => controller.abort(), 20);
    await expect(cancelled).rejects.toBeInstanceOf(ServiceNowRequestAbortedError);
    await expect(patient).resolves.toMatchObject({ status: 200 });
    expect(sn.fake.tokenRequests()).toHaveLength(1);
    expect(sn.fake.apiRequests()).toHaveLength(1);
  });

  it('uses basic authentication without any token request for basic credentials', async () => {
    const { connection } = connect({
      credentials: { kind: 'basic', username: sn.fake.account.username, password: sn.fake.account.password },
    });
    await list(connection);
    expect(sn.fake.tokenRequests()).toHaveLength(0);
    const expected = Buffer.from(`${sn.fake.account.username}:${sn.fake.account.password}`).toString('base64');
    expect(sn.fake.apiRequests()[0]!.headers.authorization).toBe(`Basic ${expected}`);
    const wrong = connect({ credentials: { kind: 'basic', username: 'x', password: 'y' } }).connection;
    const error = await list(wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceNowAuthenticationError);
    expect((error as ServiceNowAuthenticationError).serviceNowMessage).toBe('User Not Authenticated');
    expect(sn.fake.apiRequests()).toHaveLength(2);
  });
});
