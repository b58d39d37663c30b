import { inspect } from 'node:util';
import {
  NotServiceNowError,
  OAuthError,
  ServiceNowAuthenticationError,
  ServiceNowForbiddenError,
  ServiceNowNetworkError,
  ServiceNowNotFoundError,
  ServiceNowRateLimitError,
  ServiceNowRequestError,
  ServiceNowServerError,
  ServiceNowTimeoutError,
} from '../../../../src/companion/client/errors';
import { TableClient } from '../../../../src/companion/client/table-client';
import { SyncApiClient } from '../../../../src/companion/client/sync-api-client';
import { IncidentSnError } from '../../../../src/shared/errors';
import { answer } from '../../../helpers/fake-servicenow';
import { failure, useFakeServiceNow } from '../../../helpers/servicenow-client';

const CLIENT_SECRET = 'client-secret-Zq81xv';
const PASSWORD = 'svc-password-Kd02pw';
const SIGNING_SECRET = 'c2lnbmluZy1zZWNyZXQtdGhhdC1tdXN0LW5vdC1sZWFr';

/** Every way an error could be shown or logged. */
function renderings(error: unknown): string[] {
  return [
    String(error),
    (error as Error).message,
    (error as Error).stack ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
  ];
}

describe('client errors', () => {
  const sn = useFakeServiceNow({ account: { clientSecret: CLIENT_SECRET, password: PASSWORD } });

  const connect = (options?: Parameters<typeof sn.connect>[0]) => sn.connect(options).connection;

  it('never contain a secret, however they are shown', async () => {
    const issuedTokens = (): string[] =>
      sn.fake.requests.flatMap((r) => {
        const auth = r.headers.authorization;
        return auth?.startsWith('Bearer ') ? [auth.slice(7)] : [];
      });
    const connection = connect({ retry: { maxAttempts: 1 }, requestTimeoutMs: 200 });
    const table = new TableClient(connection);
    const sync = new SyncApiClient(connection);
    const errors: Error[] = [];

    // A refused grant with a wrong secret and password of their own.
    const wrong = connect({ credentials: { kind: 'password', ...sn.fake.account, clientSecret: 'wrong-secret-Pp77', password: 'wrong-pass-Qq88' } });
    errors.push(await failure(wrong.request({ method: 'GET', path: '/api/now/table/incident' })));
    // API failures of every kind, with a token in use.
    sn.fake.once({ path: '/api/now/table/incident' }, answer.error(403, 'ACL', 'No permission to read table incident'));
    errors.push(await failure(table.listPage('incident', { limit: 1 })));
    errors.push(await failure(table.get('incident', '0123456789abcdef0123456789abcdef')));
    sn.fake.once({ path: '/api/now/table/incident' }, answer.rateLimited({ retryAfter: '9999', limit: 1 }));
    errors.push(await failure(table.listPage('incident', { limit: 1 })));
    sn.fake.once({ path: '/api/now/table/incident' }, answer.serviceUnavailable());
    errors.push(await failure(table.listPage('incident', { limit: 1 })));
    sn.fake.once({ path: '/api/now/table/incident' }, answer.html(200));
    errors.push(await failure(table.listPage('incident', { limit: 1 })));
    sn.fake.once({ path: '/api/now/table/incident' }, answer.reset());
    errors.push(await failure(table.create('incident', { short_description: 'x' })));
    sn.fake.once({ path: '/api/now/table/incident' }, answer.hang());
    errors.push(await failure(table.listPage('incident', { limit: 1 })));
    // A configure call carrying the signing secret in its body.
    sn.fake.once({ path: '/api/x_incident_io/v1/sync/config' }, answer.error(400, 'Invalid incident.io configuration', 'webhook_url must be an https:// URL'));
    errors.push(await failure(sync.configure({ webhook_url: 'http://x', signing_secret: SIGNING_SECRET })));
    // A 401 after renewal.
    sn.fake.once({ path: '/api/now/table/incident' }, answer.error(401, 'User Not Authenticated', 'Required to provide Auth information'), 2);
    errors.push(await failure(table.listPage('incident', { limit: 1 })));

    expect(errors.map((e) => e.constructor.name)).toEqual([
      'OAuthError',
      'ServiceNowForbiddenError',
      'ServiceNowNotFoundError',
      'ServiceNowRateLimitError',
      'ServiceNowServerError',
      'NotServiceNowError',
      'ServiceNowNetworkError',
      'ServiceNowTimeoutError',
      'ServiceNowHttpError',
      'ServiceNowAuthenticationError',
    ]);
    const secrets = [CLIENT_SECRET, PASSWORD, 'wrong-secret-Pp77', 'wrong-pass-Qq88', SIGNING_SECRET, ...issuedTokens()];
    expect(issuedTokens().length).toBeGreaterThan(0);
    const refreshTokens = sn.fake.tokenRequests().map((r) => new URLSearchParams(r.body).get('refresh_token')).filter(Boolean);
    secrets.push(...(refreshTokens as string[]));
    for (const error of errors) {
      expect(error).toBeInstanceOf(IncidentSnError);
      for (const shown of renderings(error)) {
        for (const secret of secrets) expect(shown).not.toContain(secret);
        expect(shown).not.toMatch(/authorization|Bearer |Basic /i);
      }
    }
  });

  it('serialize to JSON with their name, code, message and fields, never their cause', async () => {
    const connection = connect();
    const error = await failure(new TableClient(connection).get('incident', '0123456789abcdef0123456789abcdef'));
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    expect(json).toMatchObject({
      name: 'ServiceNowNotFoundError',
      code: 'sn_not_found',
      status: 404,
      method: 'GET',
      path: '/api/now/table/incident/0123456789abcdef0123456789abcdef',
      instance: sn.fake.url,
      serviceNowMessage: 'No Record found',
    });
    expect(json.message).toBe(error.message);
    expect(json).not.toHaveProperty('cause');
    expect(json).not.toHaveProperty('stack');
  });

  it('keep their cause', async () => {
    const connection = connect({ retry: { maxAttempts: 1 } });
    sn.fake.once({ path: '/api/now/table/incident' }, answer.reset());
    const error = await failure(connection.request({ method: 'GET', path: '/api/now/table/incident' }));
    expect(error).toBeInstanceOf(ServiceNowNetworkError);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('form a hierarchy callers can branch on', () => {
    const target = { instance: 'https://x.service-now.com', method: 'GET', path: '/api/now/table/incident' };
    const oauth = new OAuthError({ ...target, status: 401, grant: 'password' });
    expect(oauth).toBeInstanceOf(ServiceNowAuthenticationError);
    expect(oauth).toBeInstanceOf(ServiceNowRequestError);
    expect(oauth).toBeInstanceOf(IncidentSnError);
    expect(oauth.name).toBe('OAuthError');
    expect(new ServiceNowForbiddenError({ ...target, status: 403 }).code).toBe('sn_forbidden');
    expect(new ServiceNowNotFoundError({ ...target, status: 404 }).code).toBe('sn_not_found');
    expect(new ServiceNowServerError({ ...target, status: 500 }).retryable).toBe(true);
    expect(new ServiceNowNotFoundError({ ...target, status: 404 }).retryable).toBe(false);
    expect(new ServiceNowTimeoutError(target, 'connect', 1000).message).toMatch(/did not accept a connection within 1s/);
    expect(new ServiceNowRateLimitError({ ...target, status: 429, rateLimit: {} }).code).toBe('sn_rate_limited');
    expect(new NotServiceNowError({ ...target, status: 200, bodyKind: 'html' }).message).toMatch(/hibernating/);
    expect(new ServiceNowNetworkError(target, 'dns', { systemCode: 'EAI_AGAIN' }).retryable).toBe(true);
    expect(new ServiceNowNetworkError(target, 'dns', { systemCode: 'ENOTFOUND' }).retryable).toBe(false);
  });

  it('say what to do', () => {
    const target = { instance: 'https://x.service-now.com', method: 'PATCH', path: '/api/now/table/incident/abc' };
    expect(new ServiceNowForbiddenError({ ...target, status: 403, serviceNowMessage: 'Operation Failed' }).message).toMatch(
      /Grant it the roles of setup guide step 3 \(or admin\) and the task ACLs of step 4/,
    );
    expect(new ServiceNowAuthenticationError({ ...target, status: 401 }).message).toMatch(/step 3/);
    expect(
      new ServiceNowNotFoundError({ ...target, path: '/api/x_incident_io/v1/sync/health', status: 404 }).message,
    ).toMatch(/check that the app is installed \(setup guide step 1\)/);
  });
});
