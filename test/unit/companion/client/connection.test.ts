import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServiceNowRequest } from '../../../../src/companion/client/connection';
import {
  InvalidIdentifierError,
  InvalidInstanceAddressError,
  NotServiceNowError,
  ServiceNowConnectionClosedError,
  ServiceNowForbiddenError,
  ServiceNowHttpError,
  ServiceNowNetworkError,
  ServiceNowNotFoundError,
  ServiceNowRateLimitError,
  ServiceNowRequestAbortedError,
  ServiceNowResponseTooLargeError,
  ServiceNowServerError,
  ServiceNowTimeoutError,
} from '../../../../src/companion/client/errors';
import type { RequestFailedEvent, ResponseEvent } from '../../../../src/companion/client/transport';
import { fakeRuntime } from '../../../helpers/fake-runtime';
import { manualClock } from '../../../helpers/manual-clock';
import { waitFor } from '../../../helpers/wait-for';
import { answer } from '../../../helpers/fake-servicenow';
import { connectToFake, failure, useFakeServiceNow } from '../../../helpers/servicenow-client';

const INCIDENTS = '/api/now/table/incident';

describe('ServiceNowConnection (against a fake instance over HTTP)', () => {
  const sn = useFakeServiceNow();

  const connect = sn.connect;

  const apiCalls = (method?: string) =>
    sn.fake.apiRequests().filter((r) => r.path === INCIDENTS && (method === undefined || r.method === method));

  describe('retries', () => {
    it('retries a GET after 503s with equal-jitter exponential backoff', async () => {
      const { connection, clock } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.serviceUnavailable(), 2);
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).resolves.toMatchObject({ status: 200 });
      expect(apiCalls()).toHaveLength(3);
      // random() = 0.5: three quarters of 500 ms, then of 1000 ms.
      expect(clock.sleeps).toEqual([375, 750]);
    });

    it('uses the jitter range: random() 0 waits half the step, near 1 nearly all of it', async () => {
      const low = connect({ clock: fakeRuntime({ random: 0 }) });
      sn.fake.once({ path: INCIDENTS }, answer.serviceUnavailable(), 3);
      await low.connection.request({ method: 'GET', path: INCIDENTS });
      expect(low.clock.sleeps).toEqual([250, 500, 1000]);
      const high = connect({ clock: fakeRuntime({ random: 0.999 }), retry: { maxDelayMs: 1500 } });
      sn.fake.once({ path: INCIDENTS }, answer.serviceUnavailable(), 3);
      await high.connection.request({ method: 'GET', path: INCIDENTS });
      expect(high.clock.sleeps).toEqual([500, 1000, 1499]);
    });

    it('stops after maxAttempts and throws the last server error', async () => {
      const { connection, clock } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.serviceUnavailable(), 10);
      const error = await failure(connection.request({ method: 'GET', path: INCIDENTS }));
      expect(error).toBeInstanceOf(ServiceNowServerError);
      expect(error).toMatchObject({ status: 503, serviceNowMessage: 'Service Unavailable', method: 'GET', path: INCIDENTS });
      expect(apiCalls()).toHaveLength(4);
      expect(clock.sleeps).toHaveLength(3);
    });

    it('stops when the next wait would pass maxTotalMs', async () => {
      const { connection, clock } = connect({
        clock: fakeRuntime({ random: 0.99 }),
        retry: { baseDelayMs: 800, maxTotalMs: 1000 },
      });
      sn.fake.once({ path: INCIDENTS }, answer.serviceUnavailable(), 10);
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).rejects.toBeInstanceOf(ServiceNowServerError);
      expect(clock.sleeps).toEqual([796]);
      expect(apiCalls()).toHaveLength(2);
    });

    it('honours Retry-After on a 503', async () => {
      const { connection, clock } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.serviceUnavailable({ 'retry-after': '2' }));
      await connection.request({ method: 'GET', path: INCIDENTS });
      expect(clock.sleeps).toEqual([2000]);
    });

    it('never retries a POST after a 5xx', async () => {
      const { connection, clock } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.serviceUnavailable(), 5);
      const error = await failure(connection.request({ method: 'POST', path: INCIDENTS, body: { short_description: 'x' } }));
      expect(error).toBeInstanceOf(ServiceNowServerError);
      expect(apiCalls('POST')).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    });

    it('retries a POST the caller marks idempotent', async () => {
      const { connection } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.serviceUnavailable());
      await connection.request({ method: 'POST', path: INCIDENTS, body: {}, idempotent: true });
      expect(apiCalls('POST')).toHaveLength(2);
    });

    it('retries PATCH only when marked idempotent; PUT and DELETE by default', async () => {
      const { connection } = connect();
      const path = `${INCIDENTS}/0123456789abcdef0123456789abcdef`;
      sn.fake.once({ path }, answer.serviceUnavailable(), 1);
      await expect(connection.request({ method: 'PATCH', path, body: {} })).rejects.toBeInstanceOf(ServiceNowServerError);
      sn.fake.once({ path }, answer.serviceUnavailable(), 1);
      await expect(connection.request({ method: 'PATCH', path, body: {}, idempotent: true })).rejects.toBeInstanceOf(
        ServiceNowNotFoundError,
      );
      sn.fake.once({ path }, answer.serviceUnavailable(), 1);
      await expect(connection.request({ method: 'PUT', path, body: {} })).rejects.toBeInstanceOf(ServiceNowNotFoundError);
      sn.fake.once({ path }, answer.serviceUnavailable(), 1);
      await expect(connection.request({ method: 'DELETE', path })).rejects.toBeInstanceOf(ServiceNowNotFoundError);
      const methods = sn.fake.apiRequests().map((r) => r.method);
      expect(methods).toEqual(['PATCH', 'PATCH', 'PATCH', 'PUT', 'PUT', 'DELETE', 'DELETE']);
    });

    it('does not retry a GET marked not idempotent', async () => {
      const { connection } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.serviceUnavailable());
      await expect(connection.request({ method: 'GET', path: INCIDENTS, idempotent: false })).rejects.toBeInstanceOf(
        ServiceNowServerError,
      );
      expect(apiCalls()).toHaveLength(1);
    });

    it('retries a GET after the connection is reset, but not a POST', async () => {
      const { connection } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.reset());
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).resolves.toMatchObject({ status: 200 });
      expect(apiCalls('GET')).toHaveLength(2);

      sn.fake.once({ path: INCIDENTS }, answer.reset());
      const error = await failure(connection.request({ method: 'POST', path: INCIDENTS, body: {} }));
      expect(error).toBeInstanceOf(ServiceNowNetworkError);
      expect((error as ServiceNowNetworkError).failure).toBe('connection_reset');
      expect(apiCalls('POST')).toHaveLength(1);
    });

    it('does not retry 4xx answers', async () => {
      const { connection } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.error(403, 'Insufficient rights to query records', 'Field(s) present in the query do not have permission to be read'));
      const error = await failure(connection.request({ method: 'GET', path: INCIDENTS }));
      expect(error).toBeInstanceOf(ServiceNowForbiddenError);
      expect(error).toMatchObject({
        status: 403,
        serviceNowMessage: 'Insufficient rights to query records',
        serviceNowDetail: 'Field(s) present in the query do not have permission to be read',
      });
      expect(apiCalls()).toHaveLength(1);
    });
  });

  describe('rate limits (429)', () => {
    it('waits for Retry-After (seconds) and retries, for any method', async () => {
      const { connection, clock } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.rateLimited({ retryAfter: '7', limit: 100, rule: 'svc hourly' }));
      await expect(connection.request({ method: 'POST', path: INCIDENTS, body: {} })).resolves.toMatchObject({ status: 201 });
      expect(clock.sleeps).toEqual([7000]);
      expect(apiCalls('POST')).toHaveLength(2);
    });

    it('understands Retry-After as an HTTP date', async () => {
      const clock = fakeRuntime();
      const { connection } = connect({ clock });
      const at = new Date(clock.now() + 30_000).toUTCString();
      sn.fake.once({ path: INCIDENTS }, answer.rateLimited({ retryAfter: at }));
      await connection.request({ method: 'GET', path: INCIDENTS });
      expect(clock.sleeps).toEqual([30_000]);
    });

    it('waits until X-RateLimit-Reset when there is no Retry-After', async () => {
      const clock = fakeRuntime();
      const { connection } = connect({ clock });
      sn.fake.once({ path: INCIDENTS }, answer.rateLimited({ reset: Math.floor(clock.now() / 1000) + 12, limit: 5000 }));
      await connection.request({ method: 'GET', path: INCIDENTS });
      expect(clock.sleeps).toEqual([12_000]);
    });

    it('throws the typed error at once when the wait is longer than allowed', async () => {
      const clock = fakeRuntime();
      const { connection } = connect({ clock });
      const reset = Math.floor(clock.now() / 1000) + 3600;
      sn.fake.once({ path: INCIDENTS }, answer.rateLimited({ retryAfter: '3600', reset, limit: 5000, rule: 'incident.io hourly' }));
      const error = (await failure(connection.request({ method: 'GET', path: INCIDENTS }))) as ServiceNowRateLimitError;
      expect(error).toBeInstanceOf(ServiceNowRateLimitError);
      expect(error).toMatchObject({
        code: 'sn_rate_limited',
        status: 429,
        retryAfterSeconds: 3600,
        rateLimit: { limit: 5000, resetEpochSeconds: reset, rule: 'incident.io hourly' },
        serviceNowMessage: 'Rate limit exceeded',
      });
      expect(error.message).toMatch(/wait 3600s/);
      expect(error.message).toMatch(/raise the service account.s rate limit rule/);
      expect(clock.sleeps).toEqual([]);
      expect(apiCalls()).toHaveLength(1);
    });

    it('stops after the total wait budget', async () => {
      const { connection, clock } = connect({ rateLimit: { maxWaitMs: 20_000 } });
      sn.fake.once({ path: INCIDENTS }, answer.rateLimited({ retryAfter: '8' }), 10);
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).rejects.toBeInstanceOf(ServiceNowRateLimitError);
      expect(clock.sleeps).toEqual([8000, 8000]);
      expect(apiCalls()).toHaveLength(3);
    });

    it('stops after maxRetries even when the waits are short', async () => {
      const { connection, clock } = connect({ rateLimit: { maxRetries: 2 } });
      sn.fake.once({ path: INCIDENTS }, answer.rateLimited({ retryAfter: '0' }), 10);
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).rejects.toBeInstanceOf(ServiceNowRateLimitError);
      // A pause of 0 s has ended already: the connection's budget lets the retry go without sleeping.
      expect(clock.sleeps).toEqual([]);
      expect(apiCalls()).toHaveLength(3);
    });

    it('pauses the whole connection after a 429: nothing goes until the pause ends, then the refused call first and a read and a write queued meanwhile, once each', async () => {
      const clock = manualClock();
      // One socket: requests reach the instance in the order the connection let them go.
      const { connection } = connect({ clock: { ...fakeRuntime(), runtime: clock.runtime }, maxConnections: 1, rateLimit: { maxWaitMs: 10_000, maxRetries: 1 } });
      let refusedAnswered!: () => void;
      const answered = new Promise<void>((resolve) => {
        refusedAnswered = resolve;
      });
      sn.fake.once({ method: 'GET', path: INCIDENTS }, (req, res) => {
        answer.rateLimited({ retryAfter: '2', limit: 100 })(req, res);
        res.on('finish', () => setImmediate(refusedAnswered));
      });
      const refused = connection.request({ method: 'GET', path: INCIDENTS });
      await answered;
      await waitFor(() => clock.sleeping() > 0, { message: 'the refused call to wait for the pause to end' });
      const read = connection.request({ method: 'GET', path: '/api/now/table/sys_journal_field' });
      const write = connection.request({ method: 'POST', path: INCIDENTS, body: { short_description: 'queued while paused' } });
      await clock.advance(1_000);
      // Still paused: only the refused request has reached the instance.
      expect(sn.fake.apiRequests().map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${INCIDENTS}`]);
      await clock.advance(1_000);
      await Promise.all([refused, read, write]);
      expect(sn.fake.apiRequests().map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${INCIDENTS}`, `GET ${INCIDENTS}`, 'GET /api/now/table/sys_journal_field', `POST ${INCIDENTS}`]);
    });

    it('a call cancelled while it waits for the pause to end says nothing of it was processed; one cancelled on its way may have been', async () => {
      const clock = manualClock();
      const { connection } = connect({ clock: { ...fakeRuntime(), runtime: clock.runtime }, rateLimit: { maxWaitMs: 10_000, maxRetries: 1 } });
      sn.fake.once({ method: 'GET', path: INCIDENTS }, answer.rateLimited({ retryAfter: '5', limit: 100 }));
      const controller = new AbortController();
      const refused = failure(connection.request({ method: 'GET', path: INCIDENTS, signal: controller.signal }));
      await waitFor(() => clock.sleeping() > 0, { message: 'the refused call to wait for the pause to end' });
      const waiting = failure(connection.request({ method: 'POST', path: INCIDENTS, body: {}, signal: controller.signal }));
      await waitFor(() => clock.sleeping() > 1, { message: 'the write to wait for the pause to end' });
      controller.abort();
      for (const error of [await refused, await waiting]) {
        expect(error).toBeInstanceOf(ServiceNowRequestAbortedError);
        expect(error).toMatchObject({ mayHaveBeenProcessed: false });
      }
      expect(apiCalls()).toHaveLength(1);
      const onItsWay = connect({ retry: { maxAttempts: 1 } });
      sn.fake.once({ path: INCIDENTS }, answer.hang());
      const cancel = new AbortController();
      const hung = failure(onItsWay.connection.request({ method: 'POST', path: INCIDENTS, body: {}, signal: cancel.signal }));
      await waitFor(() => apiCalls('POST').length === 1, { message: 'the write to reach the instance' });
      cancel.abort();
      expect(await hung).toMatchObject({ mayHaveBeenProcessed: true });
    });

    it('backs off when a 429 says nothing about when to come back', async () => {
      const { connection, clock } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.rateLimited({}));
      await connection.request({ method: 'GET', path: INCIDENTS });
      expect(clock.sleeps).toEqual([375]);
    });
  });

  describe('timeouts', () => {
    it('fires when the instance never answers', async () => {
      const { connection } = connect({ requestTimeoutMs: 150, retry: { maxAttempts: 1 } });
      sn.fake.once({ path: INCIDENTS }, answer.hang());
      const started = Date.now();
      const error = (await failure(connection.request({ method: 'GET', path: INCIDENTS }))) as ServiceNowTimeoutError;
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(ServiceNowTimeoutError);
      expect(error).toMatchObject({ code: 'sn_timeout', phase: 'response', timeoutMs: 150, method: 'GET', path: INCIDENTS });
      expect(error.message).toMatch(/did not answer GET \/api\/now\/table\/incident within 0.15s/);
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(2000);
    });

    it('fires when the body stops halfway', async () => {
      const { connection } = connect({ requestTimeoutMs: 150, retry: { maxAttempts: 1 } });
      sn.fake.once({ path: INCIDENTS }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"result":[');
      });
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).rejects.toBeInstanceOf(ServiceNowTimeoutError);
    });

    it('takes a per-call timeout', async () => {
      const { connection } = connect({ retry: { maxAttempts: 1 } });
      sn.fake.once({ path: INCIDENTS }, answer.hang());
      const error = await failure(connection.request({ method: 'GET', path: INCIDENTS, timeoutMs: 100 }));
      expect(error).toMatchObject({ timeoutMs: 100 });
    });

    it('retries a timed-out GET but not a timed-out POST', async () => {
      const { connection } = connect({ requestTimeoutMs: 100 });
      sn.fake.once({ path: INCIDENTS }, answer.hang());
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).resolves.toMatchObject({ status: 200 });
      sn.fake.once({ path: INCIDENTS }, answer.hang());
      await expect(connection.request({ method: 'POST', path: INCIDENTS, body: {} })).rejects.toBeInstanceOf(
        ServiceNowTimeoutError,
      );
      expect(apiCalls('GET')).toHaveLength(2);
      expect(apiCalls('POST')).toHaveLength(1);
    });
  });

  describe('network failures', () => {
    async function closedPort(): Promise<number> {
      const server = http.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }

    it('maps a refused connection, and retries it for a GET', async () => {
      const port = await closedPort();
      const { connection, clock } = connectToFake(sn.fake);
      await connection.close();
      const refused = sn.connect({ instance: `http://127.0.0.1:${port}`, clock });
      const error = (await failure(refused.connection.request({ method: 'GET', path: INCIDENTS }))) as ServiceNowNetworkError;
      expect(error).toBeInstanceOf(ServiceNowNetworkError);
      expect(error).toMatchObject({ code: 'sn_unreachable', failure: 'connection_refused', systemCode: 'ECONNREFUSED' });
      expect(error.message).toMatch(/connection refused.*Check the instance address/);
      expect(error.cause).toBeDefined();
      expect(clock.sleeps).toHaveLength(3);
    });

    it('maps a host name that does not resolve', async () => {
      const { connection } = connect({
        instance: 'https://no-such-host.invalid',
        retry: { maxAttempts: 1 },
        connectTimeoutMs: 5000,
      });
      const error = (await failure(connection.request({ method: 'GET', path: INCIDENTS }))) as ServiceNowNetworkError;
      expect(error).toBeInstanceOf(ServiceNowNetworkError);
      expect(error.failure).toBe('dns');
      expect(error.message).toMatch(/does not resolve/);
    });

    it('maps a TLS failure (https to a server that speaks plain http)', async () => {
      const { connection } = connect({ instance: sn.fake.url.replace('http:', 'https:'), retry: { maxAttempts: 1 } });
      const error = (await failure(connection.request({ method: 'GET', path: INCIDENTS }))) as ServiceNowNetworkError;
      expect(error).toBeInstanceOf(ServiceNowNetworkError);
      expect(error.failure).toBe('tls');
      expect(error.retryable).toBe(false);
    });

    it('maps a server that does not speak HTTP', async () => {
      const server = net.createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const { connection } = connect({ instance: `http://127.0.0.1:${port}`, retry: { maxAttempts: 1 } });
        const error = (await failure(connection.request({ method: 'GET', path: INCIDENTS }))) as ServiceNowNetworkError;
        expect(error).toBeInstanceOf(ServiceNowNetworkError);
        expect(error.failure).toBe('protocol');
        expect(error.retryable).toBe(false);
        expect(error.message).toMatch(/does not speak HTTP/);
      } finally {
        server.close();
      }
    });
  });

  describe('answers that are not ServiceNow', () => {
    it.each([
      ['an HTML page with 200', answer.html(200), 'html'],
      ['an HTML 404', answer.html(404), 'html'],
      ['JSON without ServiceNow\'s error shape', answer.json(403, { message: 'nope' }), 'json_without_servicenow_shape'],
      ['plain text', answer.text(400, 'bad'), 'text'],
    ])('refuses %s', async (_name, responder, bodyKind) => {
      const { connection } = connect();
      sn.fake.once({ path: INCIDENTS }, responder);
      const error = (await failure(connection.request({ method: 'GET', path: INCIDENTS }))) as NotServiceNowError;
      expect(error).toBeInstanceOf(NotServiceNowError);
      expect(error).toMatchObject({ code: 'sn_not_servicenow', bodyKind });
      expect(error.message).toMatch(/not like a ServiceNow instance\. Check the instance address/);
    });

    it('treats a proxy\'s HTML 502 as a (retryable) server error', async () => {
      const { connection } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.html(502));
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).resolves.toMatchObject({ status: 200 });
    });

    it('refuses an answer larger than maxResponseBytes', async () => {
      const { connection } = connect({ maxResponseBytes: 1000 });
      sn.fake.once({ path: INCIDENTS }, answer.json(200, { result: [{ description: 'x'.repeat(5000) }] }));
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).rejects.toBeInstanceOf(
        ServiceNowResponseTooLargeError,
      );
    });
  });

  describe('errors carry what the instance said', () => {
    it('status, message, detail, transaction id, method and path (without the query string)', async () => {
      const { connection } = connect();
      const path = `${INCIDENTS}/0123456789abcdef0123456789abcdef`;
      const error = (await failure(
        connection.request({ method: 'GET', path, query: { sysparm_query: 'caller_id.user_name=secret-user' } }),
      )) as ServiceNowNotFoundError;
      expect(error).toBeInstanceOf(ServiceNowNotFoundError);
      expect(error).toBeInstanceOf(ServiceNowHttpError);
      expect(error).toMatchObject({
        code: 'sn_not_found',
        status: 404,
        method: 'GET',
        path,
        instance: sn.fake.url,
        serviceNowMessage: 'No Record found',
        serviceNowDetail: "Record doesn't exist or ACL restricts the record retrieval",
      });
      expect(error.requestId).toMatch(/^fake[0-9a-f]{8}$/);
      expect(error.message).toContain(error.requestId!);
      expect(error.message).toMatch(/an ACL hides it/);
      expect(error.message).not.toContain('secret-user');
      expect(JSON.stringify(error)).not.toContain('sysparm');
    });

    it('a 400 keeps ServiceNow\'s words', async () => {
      const { connection } = connect();
      const error = (await failure(connection.request({ method: 'GET', path: '/api/now/nothing' }))) as ServiceNowHttpError;
      expect(error.constructor).toBe(ServiceNowHttpError);
      expect(error).toMatchObject({ status: 400, code: 'sn_http_error', serviceNowMessage: 'Requested URI does not represent any resource' });
    });
  });

  describe('metrics hooks', () => {
    it('reports every attempt with method, path, route, status, duration and attempt number', async () => {
      const events: ResponseEvent[] = [];
      const { connection } = connect({ onResponse: (e) => events.push(e) });
      sn.fake.once({ path: `${INCIDENTS}/0123456789abcdef0123456789abcdef` }, answer.serviceUnavailable());
      await connection.request({ method: 'GET', path: `${INCIDENTS}/0123456789abcdef0123456789abcdef` }).catch(() => undefined);
      expect(events.map(({ durationMs: _d, ...rest }) => rest)).toEqual([
        { method: 'POST', path: '/oauth_token.do', route: '/oauth_token.do', status: 200, attempt: 1 },
        { method: 'GET', path: `${INCIDENTS}/0123456789abcdef0123456789abcdef`, route: `${INCIDENTS}/{sys_id}`, status: 503, attempt: 1 },
        { method: 'GET', path: `${INCIDENTS}/0123456789abcdef0123456789abcdef`, route: `${INCIDENTS}/{sys_id}`, status: 404, attempt: 2 },
      ]);
      expect(events.every((e) => e.durationMs >= 0 && e.durationMs < 5000)).toBe(true);
    });

    it('reports attempts without an answer, and a throwing hook never breaks a call', async () => {
      const failed: RequestFailedEvent[] = [];
      const { connection } = connect({
        onResponse: () => {
          throw new Error('metrics are broken');
        },
        onRequestFailed: (e) => failed.push(e),
      });
      sn.fake.once({ path: INCIDENTS }, answer.reset());
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).resolves.toMatchObject({ status: 200 });
      expect(failed).toEqual([expect.objectContaining({ method: 'GET', path: INCIDENTS, errorCode: 'sn_unreachable', attempt: 1 })]);
    });
  });

  describe('cancellation', () => {
    it('stops a call that is waiting for an answer', async () => {
      const { connection } = connect();
      sn.fake.once({ path: INCIDENTS }, answer.hang());
      const controller = new AbortController();
      const call = connection.request({ method: 'GET', path: INCIDENTS, signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      const error = await failure(call);
      expect(error).toBeInstanceOf(ServiceNowRequestAbortedError);
      expect(error).toMatchObject({ code: 'sn_aborted', method: 'GET', path: INCIDENTS });
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('sends nothing when the signal has already fired', async () => {
      const { connection } = connect({ credentials: { kind: 'basic', username: 'a', password: 'b' } });
      await expect(
        connection.request({ method: 'GET', path: INCIDENTS, signal: AbortSignal.abort() }),
      ).rejects.toBeInstanceOf(ServiceNowRequestAbortedError);
      expect(sn.fake.requests).toHaveLength(0);
    });

    it('stops a call that is waiting out a backoff', async () => {
      const clock = fakeRuntime();
      const { connection } = connect({ clock: { ...clock, runtime: { ...clock.runtime, sleep: realSleep } } });
      sn.fake.once({ path: INCIDENTS }, answer.rateLimited({ retryAfter: '30' }));
      const controller = new AbortController();
      const call = connection.request({ method: 'GET', path: INCIDENTS, signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await expect(call).rejects.toBeInstanceOf(ServiceNowRequestAbortedError);
      expect(apiCalls()).toHaveLength(1);
    });
  });

  describe('the connection itself', () => {
    it('keeps connections alive across calls', async () => {
      const { connection } = connect();
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        await connection.request({ method: 'GET', path: INCIDENTS });
        counts.push(sn.fake.connectionsAccepted);
      }
      // The token request and the first call may each open one; after that, sockets are reused.
      expect(counts[0]).toBeLessThanOrEqual(2);
      expect(new Set(counts).size).toBe(1);
    });

    it('refuses calls after close()', async () => {
      const { connection } = connect();
      await connection.close();
      await expect(connection.request({ method: 'GET', path: INCIDENTS })).rejects.toBeInstanceOf(
        ServiceNowConnectionClosedError,
      );
    });

    it('parses the instance address and refuses a bad one', () => {
      expect(connect({ instance: 'hyper-payments' }).connection.instanceUrl).toBe('https://hyper-payments.service-now.com');
      expect(() => connect({ instance: 'hyper payments' })).toThrow(InvalidInstanceAddressError);
    });

    it.each(['api/now/table/incident', '/api/now/table/incident?sysparm_query=x', '/api/../oauth_token.do', '/api/now//table', '/api/now/table/inc%20ident', '/api/now/table/incident#x'])(
      'refuses the path %j',
      async (path) => {
        const { connection } = connect();
        await expect(connection.request({ method: 'GET', path } as ServiceNowRequest)).rejects.toBeInstanceOf(
          InvalidIdentifierError,
        );
        expect(sn.fake.requests).toHaveLength(0);
      },
    );

    it('sends the query parameters URL-encoded and the body as JSON', async () => {
      const { connection } = connect();
      await connection.request({
        method: 'POST',
        path: INCIDENTS,
        query: { sysparm_query: 'a=1^b&c', sysparm_limit: 5, skipped: undefined },
        body: { short_description: 'disk full' },
      });
      const [request] = apiCalls('POST');
      expect(request!.query.get('sysparm_query')).toBe('a=1^b&c');
      expect(request!.query.get('sysparm_limit')).toBe('5');
      expect(request!.query.has('skipped')).toBe(false);
      expect(request!.headers['content-type']).toBe('application/json');
      expect(request!.headers.accept).toBe('application/json');
      expect(JSON.parse(request!.body)).toEqual({ short_description: 'disk full' });
    });

    it('can make an anonymous call', async () => {
      const { connection } = connect();
      const error = await failure(connection.request({ method: 'GET', path: INCIDENTS, anonymous: true }));
      expect(error).toMatchObject({ status: 401, serviceNowMessage: 'User Not Authenticated' });
      expect(sn.fake.tokenRequests()).toHaveLength(0);
      expect(sn.fake.requests[0]!.headers.authorization).toBeUndefined();
    });
  });
});

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
