import { rateLimitText, statusFragment } from '../../../../src/companion/web/pages';
import type { StatusData } from '../../../../src/companion/web/status-data';

const now = new Date('2026-11-30T10:00:00Z');

function status(rateLimit: StatusData['rateLimit']): StatusData {
  return {
    connection: { name: 'local', instanceUrl: 'http://127.0.0.1:8080', mode: 'polling', lastCheck: null, createdAt: now },
    now,
    app: null,
    inbound: { pending: 0, processing: 0, done: 0, failed: 0 },
    outbound: { pending: 3, sending: 0, done: 0, dead: 0, cancelled: 0 },
    lastPush: null,
    lastPing: null,
    rateLimit,
    workers: [],
    activity: [],
    latency: [],
  } as unknown as StatusData;
}

describe('Status page: rate-limit pause', () => {
  it('says when nothing is paused', () => {
    expect(rateLimitText(null, now)).toMatch(/^none/);
    expect(String(statusFragment(status(null), 'token'))).toContain('id="rate-limit">none');
  });

  it('shows a stored pause with its hits, Retry-After and the next probe', () => {
    const pause = {
      since: new Date(now.getTime() - 90_000),
      until: new Date(now.getTime() + 3_000_000),
      nextProbeAt: new Date(now.getTime() + 42_000),
      retryAfterSeconds: 3090,
      hits: 2,
    };
    const text = rateLimitText(pause, now);
    expect(text).toContain('2 × 429');
    expect(text).toContain('Retry-After 3090 s');
    expect(text).toContain('probes in 42 s');
    expect(String(statusFragment(status(pause), 'token'))).toContain('probes in 42 s');
  });
});
