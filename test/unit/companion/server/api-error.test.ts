import Fastify from 'fastify';
import pino from 'pino';
import { errorHandler } from '../../../../src/companion/server/api-error';
import { ConcurrentChangeError } from '../../../../src/companion/sync/errors';
import { SyncMetrics } from '../../../../src/companion/sync/metrics';

/** A change that lost every retry to concurrent changes is "busy, send it again" (503), never a 500. */
describe('the API error handler', () => {
  async function answer(error: Error, url = '/api/incidents/x') {
    const metrics = new SyncMetrics({ outbound: async () => ({ pending: 0, sending: 0, done: 0, dead: 0, canceled: 0 }), inbound: async () => ({ pending: 0, processing: 0, done: 0, failed: 0 }) }, { defaultMetrics: false });
    const app = Fastify();
    app.setErrorHandler(errorHandler(pino({ level: 'silent' }), metrics));
    app.all('/*', async () => {
      throw error;
    });
    const res = await app.inject({ method: 'PATCH', url, payload: {} });
    const rejected = (await metrics.registry.getSingleMetricAsString('incident_sn_events_rejected_total')).split('\n').filter((l) => l.startsWith('incident_sn_events_rejected_total{'));
    await app.close();
    return { status: res.statusCode, retryAfter: res.headers['retry-after'], body: res.json() as { error: { code: string; message: string } }, rejected };
  }

  it('a PostgreSQL serialization failure left after the store retried it: 503 busy with Retry-After', async () => {
    const conflict = Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' });
    const res = await answer(conflict);
    expect(res).toMatchObject({ status: 503, retryAfter: '1', body: { error: { code: 'busy' } } });
    expect(res.body.error.message).toMatch(/nothing was changed\. Send it again/);
    expect(res.body.error.message).not.toMatch(/serialize/);
  });

  it('a version conflict left after every retry (ConcurrentChangeError) is busy too; on the webhook it is counted as refused', async () => {
    const res = await answer(new ConcurrentChangeError('incident INC-1'), '/webhooks/servicenow/x');
    expect(res).toMatchObject({ status: 503, body: { error: { code: 'busy' } } });
    expect(res.rejected).toEqual(['incident_sn_events_rejected_total{reason="busy"} 1']);
  });

  it('anything else unexpected is still a 500 that says nothing about the cause', async () => {
    const res = await answer(new Error('secret detail'));
    expect(res).toMatchObject({ status: 500, body: { error: { code: 'internal_error' } } });
    expect(JSON.stringify(res.body)).not.toMatch(/secret detail/);
  });
});
