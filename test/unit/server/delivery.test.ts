import crypto from 'node:crypto';
import { deliverQueuedEvent, drainIncident, retryAndPurge } from '../../../src/server/lib/delivery';
import { queueIncidentChange } from '../../../src/server/lib/queue';
import { toGlideDateTime } from '../../../src/server/lib/time';
import { AppFixture, ok, unreachable } from '../../helpers/app-fixture';
import { FakeGlideRecord, recordOf } from '../../helpers/fake-glide';

/** Queues `count` updates of one incident; returns the incident's sys_id and the outbox rows' sys_ids in order. */
function queueUpdates(app: AppFixture, count: number, number = 'INC0010001'): { incident: string; events: string[] } {
  const incident = app.incident({ number });
  const events: string[] = [];
  for (let i = 1; i <= count; i++) {
    const current = new FakeGlideRecord(app.db, 'incident');
    current.get(incident.getUniqueValue());
    current.setValue('state', String(i + 1));
    current.setValue('sys_mod_count', String(i));
    const result = queueIncidentChange(current, recordOf({ state: String(i) }), 'update', app.queueDeps());
    if (!('queued' in result)) throw new Error(result.skipped);
    events.push(result.outboxSysId);
  }
  return { incident: incident.getUniqueValue(), events };
}

function row(app: AppFixture, sysId: string) {
  return app.db.rows('x_incident_io_outbound_event').find((r) => r.sys_id === sysId)!;
}

/** Queues a state change of an incident as another user's write would (sys_mod_count 5 unless given); returns its outbox row's sys_id, or '' when nothing was queued. */
function queueStateChange(app: AppFixture, incident: string, modCount = '5'): string {
  const current = new FakeGlideRecord(app.db, 'incident');
  current.get(incident);
  current.setValue('state', '6');
  current.setValue('sys_mod_count', modCount);
  const result = queueIncidentChange(current, recordOf({ state: '2' }), 'update', app.queueDeps());
  return 'queued' in result ? result.outboxSysId : '';
}

/** Answers every push 200, running `run` while the first push naming `number` is out; counts the pushes in flight at once. */
function duringPushOf(app: AppFixture, number: string, run: () => unknown): { most: number; during: unknown } {
  const seen = { most: 0, during: null as unknown };
  let inFlight = 0;
  app.respond = (request) => {
    inFlight++;
    seen.most = Math.max(seen.most, inFlight);
    if (seen.during === null && request.body.includes(number)) seen.during = run();
    inFlight--;
    return ok(200);
  };
  return seen;
}

/**
 * Delivery dependencies whose first release of the lock is preceded by a change arriving: `queue`
 * queues an event, and that event's run starts while this run still holds the lock.
 */
function changeAtRelease(app: AppFixture, queue: () => string, incident?: string) {
  const deps = app.deliveryDeps();
  const remove = deps.lock.remove.bind(deps.lock);
  const started: { event: string; run: unknown } = { event: '', run: null };
  deps.lock = {
    ...deps.lock,
    remove: (sysId) => {
      if (!started.event) {
        started.event = queue();
        started.run = deliverQueuedEvent(started.event, app.deliveryDeps(), incident);
      }
      return remove(sysId);
    },
  };
  return { deps, started };
}

describe('delivery', () => {
  let app: AppFixture;
  beforeEach(() => {
    app = new AppFixture();
  });

  it('POSTs the stored payload, signed, with the event id and attempt number, and marks it delivered', () => {
    const { events } = queueUpdates(app, 1);
    const result = deliverQueuedEvent(events[0]!, app.deliveryDeps());
    expect(result).toEqual({ delivered: 1, stoppedBecause: null });

    expect(app.requests).toHaveLength(1);
    const [request] = app.requests;
    const stored = row(app, events[0]!);
    expect(request!.url).toBe(app.config.webhookUrl);
    expect(request!.body).toBe(stored.payload);
    expect(request!.timeoutMs).toBe(10000);
    expect(request!.headers['Content-Type']).toBe('application/json');
    expect(request!.headers['X-Incident-Io-Event-Id']).toBe(stored.event_id);
    expect(request!.headers['X-Incident-Io-Delivery-Attempt']).toBe('1');
    const m = /^t=(\d+),v1=(.+)$/.exec(request!.headers['X-Incident-Io-Signature']!);
    expect(Number(m![1])).toBe(Math.floor(app.db.nowMs / 1000));
    const expected = crypto.createHmac('sha256', Buffer.from(app.secret, 'base64')).update(`${m![1]}.${request!.body}`).digest('base64');
    expect(m![2]).toBe(expected);

    expect(stored).toMatchObject({ state: 'delivered', attempts: '1', last_http_status: '200', last_error: '', delivered_at: toGlideDateTime(app.db.nowMs) });
  });

  it('sends an incident’s events in order, whichever is triggered first', () => {
    const { events } = queueUpdates(app, 3);
    deliverQueuedEvent(events[2]!, app.deliveryDeps());
    const sent = app.requests.map((r) => r.headers['X-Incident-Io-Event-Id']);
    expect(sent).toEqual(events.map((id) => row(app, id).event_id));
    expect(events.map((id) => row(app, id).state)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('on failure schedules a retry with backoff and holds back the incident’s later events', () => {
    app.respond = () => ok(503, {}, 'Service Unavailable');
    const { events } = queueUpdates(app, 2);
    const result = deliverQueuedEvent(events[0]!, app.deliveryDeps());
    expect(result.stoppedBecause).toBe('delivery failed');
    expect(app.requests).toHaveLength(1);
    expect(row(app, events[0]!)).toMatchObject({
      state: 'failed',
      attempts: '1',
      last_http_status: '503',
      last_error: 'HTTP 503: Service Unavailable',
      // retryDelaySeconds(1, 30, 0.5) = 23 s
      next_attempt_at: toGlideDateTime(app.db.nowMs + 23000),
    });
    expect(row(app, events[1]!).state).toBe('queued');

    // The second event's own trigger does not jump the queue.
    deliverQueuedEvent(events[1]!, app.deliveryDeps());
    expect(app.requests).toHaveLength(1);
  });

  it('honours a Retry-After longer than the backoff', () => {
    app.respond = () => ok(429, { 'Retry-After': '600' });
    const { events } = queueUpdates(app, 1);
    deliverQueuedEvent(events[0]!, app.deliveryDeps());
    expect(row(app, events[0]!).next_attempt_at).toBe(toGlideDateTime(app.db.nowMs + 600000));
  });

  it('records a network failure with its message', () => {
    app.respond = () => unreachable('Connection refused: hooks.example.com');
    const { events } = queueUpdates(app, 1);
    deliverQueuedEvent(events[0]!, app.deliveryDeps());
    expect(row(app, events[0]!)).toMatchObject({ state: 'failed', last_http_status: '0', last_error: 'Connection refused: hooks.example.com' });
  });

  it('survives a sender that throws', () => {
    const deps = app.deliveryDeps();
    deps.post = () => {
      throw new Error('socket hang up');
    };
    const { events } = queueUpdates(app, 1);
    deliverQueuedEvent(events[0]!, deps);
    expect(row(app, events[0]!).state).toBe('failed');
    expect(row(app, events[0]!).last_error).toContain('socket hang up');
  });

  it('the scheduled job retries what is due, in order, once the receiver is back', () => {
    app.respond = () => ok(500);
    const { events } = queueUpdates(app, 3);
    deliverQueuedEvent(events[0]!, app.deliveryDeps());
    // Later events are due, but wait behind the failed first one.
    expect(retryAndPurge(app.deliveryDeps(), 100)).toMatchObject({ incidents: 1, delivered: 0 });
    expect(app.requests).toHaveLength(1);

    app.respond = () => ok(204);
    app.advance(24);
    const result = retryAndPurge(app.deliveryDeps(), 100);
    expect(result).toMatchObject({ incidents: 1, delivered: 3 });
    expect(app.requests.slice(1).map((r) => r.headers['X-Incident-Io-Event-Id'])).toEqual(events.map((id) => row(app, id).event_id));
    expect(app.requests[1]!.headers['X-Incident-Io-Delivery-Attempt']).toBe('2');
  });

  it('marks an event dead after the maximum attempts, then moves on to the next', () => {
    app.config = { ...app.config, maxAttempts: 3 };
    app.respond = (request) => (request.body.includes('"state":"2"') ? ok(400, {}, 'bad') : ok(200));
    const { events } = queueUpdates(app, 2);
    deliverQueuedEvent(events[0]!, app.deliveryDeps());
    for (let i = 0; i < 3; i++) {
      app.advance(3600);
      retryAndPurge(app.deliveryDeps(), 100);
    }
    expect(row(app, events[0]!)).toMatchObject({ state: 'dead', attempts: '3', last_http_status: '400' });
    expect(row(app, events[1]!).state).toBe('delivered');
    expect(app.logs.some((l) => l.startsWith('error') && l.includes('is dead after 3 attempts'))).toBe(true);
  });

  it('keeps incidents independent: one failing does not hold back another', () => {
    app.respond = (request) => (request.body.includes('INC0000001') ? ok(500) : ok(200));
    const a = queueUpdates(app, 1, 'INC0000001');
    const b = queueUpdates(app, 1, 'INC0000002');
    deliverQueuedEvent(a.events[0]!, app.deliveryDeps());
    deliverQueuedEvent(b.events[0]!, app.deliveryDeps());
    expect(row(app, a.events[0]!).state).toBe('failed');
    expect(row(app, b.events[0]!).state).toBe('delivered');
  });

  it('sends nothing while not configured, leaving events queued', () => {
    app.config = { ...app.config, signingSecret: '' };
    const { incident, events } = queueUpdates(app, 1);
    expect(drainIncident(incident, app.deliveryDeps())).toEqual({ delivered: 0, stoppedBecause: 'not configured or disabled' });
    expect(app.requests).toHaveLength(0);
    expect(row(app, events[0]!).state).toBe('queued');
  });

  it('does not send an event another worker is sending; the job reclaims it when abandoned', () => {
    const { incident, events } = queueUpdates(app, 1);
    app.store().update(events[0]!, { state: 'sending', attempts: 1, last_attempt_at: toGlideDateTime(app.db.nowMs) });
    expect(drainIncident(incident, app.deliveryDeps()).stoppedBecause).toBe('an earlier event is being sent');
    expect(retryAndPurge(app.deliveryDeps(), 100).reclaimed).toBe(0);

    app.advance(10 * 2 + 61);
    const result = retryAndPurge(app.deliveryDeps(), 100);
    expect(result.reclaimed).toBe(1);
    expect(result.delivered).toBe(1);
    expect(row(app, events[0]!)).toMatchObject({ state: 'delivered', attempts: '2' });
  });

  it('one worker delivers at a time: a run that finds the lock held sends nothing, and the holder delivers its event before it stops', () => {
    const a = queueUpdates(app, 1, 'INC0000001');
    const b = queueUpdates(app, 1, 'INC0000002');
    // B's run starts while A's push is out.
    const seen = duringPushOf(app, 'INC0000001', () => deliverQueuedEvent(b.events[0]!, app.deliveryDeps(), b.incident));
    expect(deliverQueuedEvent(a.events[0]!, app.deliveryDeps(), a.incident)).toEqual({ delivered: 2, stoppedBecause: null });
    expect(seen.during).toEqual({ delivered: 0, stoppedBecause: 'another worker is delivering' });
    expect(seen.most).toBe(1);
    expect(app.requests.map((r) => JSON.parse(r.body).incident.number)).toEqual(['INC0000001', 'INC0000002']);
    expect(app.db.rows('x_incident_io_delivery_lock')).toEqual([]);
  });

  it('of two runs that both found the lock free, the one whose insert the unique name refuses sends nothing', () => {
    const a = queueUpdates(app, 1, 'INC0000001');
    const b = queueUpdates(app, 1, 'INC0000002');
    const seen = duringPushOf(app, 'INC0000001', () => {
      // B looked before A took the lock (it saw no holder), and inserts only now.
      const deps = app.deliveryDeps();
      deps.lock = { ...deps.lock, holder: () => null };
      return deliverQueuedEvent(b.events[0]!, deps, b.incident);
    });
    expect(deliverQueuedEvent(a.events[0]!, app.deliveryDeps(), a.incident)).toMatchObject({ delivered: 2 });
    expect(seen.during).toEqual({ delivered: 0, stoppedBecause: 'another worker is delivering' });
    expect(seen.most).toBe(1);
    expect(row(app, b.events[0]!).state).toBe('delivered');
    expect(app.db.rows('x_incident_io_delivery_lock')).toEqual([]);
  });

  it('an event queued just before the holder lets the lock go is found by the holder’s look for due events after it', () => {
    const a = queueUpdates(app, 1, 'INC0000001');
    const { deps, started } = changeAtRelease(app, () => queueUpdates(app, 1, 'INC0000002').events[0]!);
    deliverQueuedEvent(a.events[0]!, deps, a.incident);
    expect(started.run).toEqual({ delivered: 0, stoppedBecause: 'another worker is delivering' });
    // The holder's look after letting go found it.
    expect(row(app, started.event).state).toBe('delivered');
    expect(app.db.rows('x_incident_io_delivery_lock')).toEqual([]);
  });

  it('a run whose own event was already delivered still takes a later event of that incident, queued while it held the lock', () => {
    const a = queueUpdates(app, 1, 'INC0000001');
    deliverQueuedEvent(a.events[0]!, app.deliveryDeps(), a.incident);
    expect(row(app, a.events[0]!).state).toBe('delivered');
    const { deps, started } = changeAtRelease(app, () => queueStateChange(app, a.incident), a.incident);
    // The run of the event delivered before (its async rule ran late) holds the lock when the later event's run starts.
    expect(deliverQueuedEvent(a.events[0]!, deps, a.incident)).toEqual({ delivered: 1, stoppedBecause: 'not queued' });
    expect(started.run).toEqual({ delivered: 0, stoppedBecause: 'another worker is delivering' });
    expect(row(app, started.event).state).toBe('delivered');
  });

  it('takes over a lock held by a worker presumed dead, and no sooner', () => {
    const a = queueUpdates(app, 1, 'INC0000001');
    const lock = app.deliveryDeps().lock;
    const dead = lock.take(toGlideDateTime(app.db.nowMs))!;
    expect(lock.take(toGlideDateTime(app.db.nowMs))).toBeNull();
    app.advance(10 * 2 + 59);
    expect(deliverQueuedEvent(a.events[0]!, app.deliveryDeps(), a.incident)).toEqual({ delivered: 0, stoppedBecause: 'another worker is delivering' });
    app.advance(2);
    expect(deliverQueuedEvent(a.events[0]!, app.deliveryDeps(), a.incident)).toEqual({ delivered: 1, stoppedBecause: null });
    expect(app.logs.filter((l) => l.includes('took over the delivery lock'))).toHaveLength(1);
    expect(app.db.rows('x_incident_io_delivery_lock')).toEqual([]);
    // The dead worker's late remove() finds nothing of its own to delete.
    expect(lock.remove(dead)).toBe(false);
  });

  it('renews the lock during a long run, so a run starting meanwhile does not take it over', () => {
    const { incident, events } = queueUpdates(app, 6);
    const other = queueUpdates(app, 1, 'INC0000002');
    let during: unknown = null;
    let pushes = 0;
    app.respond = () => {
      // 15 s a push: the sixth ends 90 s after the run took the lock, past the stale time (10 × 2 + 60 = 80 s).
      app.advance(15);
      if (++pushes === 6) during = deliverQueuedEvent(other.events[0]!, app.deliveryDeps(), other.incident);
      return ok(200);
    };
    expect(deliverQueuedEvent(events[0]!, app.deliveryDeps(), incident)).toEqual({ delivered: 7, stoppedBecause: null });
    expect(during).toEqual({ delivered: 0, stoppedBecause: 'another worker is delivering' });
    expect(app.logs.some((l) => l.includes('took over'))).toBe(false);
  });

  it('lets the lock go when the run fails with an error', () => {
    const a = queueUpdates(app, 1, 'INC0000001');
    const deps = app.deliveryDeps();
    deps.store = { ...deps.store, pendingForIncident: () => {
      throw new Error('database is gone');
    } };
    expect(() => deliverQueuedEvent(a.events[0]!, deps, a.incident)).toThrow('database is gone');
    expect(app.db.rows('x_incident_io_delivery_lock')).toEqual([]);
    expect(deliverQueuedEvent(a.events[0]!, app.deliveryDeps(), a.incident)).toMatchObject({ delivered: 1 });
  });

  it('after its limit, lets the lock go and hands the rest to a fresh run of the async rule', () => {
    // All queued within this second: the touch must still change the event (an update that changes nothing runs no rule).
    const incidents = Array.from({ length: 53 }, (_, i) => queueUpdates(app, 1, `INC${String(1000 + i).padStart(7, '0')}`));
    const result = deliverQueuedEvent(incidents[0]!.events[0]!, app.deliveryDeps(), incidents[0]!.incident);
    // Its own event, then 50 of the others; the next one is touched (an update of a queued event triggers the rule).
    expect(result).toEqual({ delivered: 51, stoppedBecause: 'drain limit reached' });
    const queued = incidents.map((i) => row(app, i.events[0]!)).filter((r) => r.state === 'queued');
    expect(queued).toHaveLength(2);
    expect(queued.filter((r) => r.sys_mod_count !== '0')).toHaveLength(1);
    expect(app.db.rows('x_incident_io_delivery_lock')).toEqual([]);
  });

  it('the scheduled job does not deliver while a worker holds the lock, and does once that worker is presumed dead', () => {
    const a = queueUpdates(app, 1, 'INC0000001');
    const b = queueUpdates(app, 1, 'INC0000002');
    app.store().update(a.events[0]!, { state: 'sending', attempts: 1, last_attempt_at: toGlideDateTime(app.db.nowMs) });
    app.deliveryDeps().lock.take(toGlideDateTime(app.db.nowMs));
    expect(retryAndPurge(app.deliveryDeps(), 100)).toMatchObject({ reclaimed: 0, incidents: 0, delivered: 0 });
    expect(app.requests).toHaveLength(0);
    expect(row(app, b.events[0]!).state).toBe('queued');

    app.advance(10 * 2 + 61);
    expect(retryAndPurge(app.deliveryDeps(), 100)).toMatchObject({ reclaimed: 1, incidents: 2, delivered: 2 });
    expect(row(app, b.events[0]!).state).toBe('delivered');
    expect(app.db.rows('x_incident_io_delivery_lock')).toEqual([]);
  });

  it('the scheduled job takes what is queued while it runs, and hands what comes as it lets the lock go to a fresh run of the async rule', () => {
    const a = queueUpdates(app, 1, 'INC0000001');
    app.respond = () => ok(500);
    deliverQueuedEvent(a.events[0]!, app.deliveryDeps(), a.incident);
    app.advance(3600);
    // Queued while the job sends: its next look takes it.
    let during = '';
    app.respond = () => {
      if (!during) during = queueUpdates(app, 1, 'INC0000002').events[0]!;
      return ok(200);
    };
    // Queued as the job lets the lock go, its run finding the lock held: handed to a fresh run.
    const { deps, started } = changeAtRelease(app, () => queueUpdates(app, 1, 'INC0000003').events[0]!);
    expect(retryAndPurge(deps, 100)).toMatchObject({ incidents: 2, delivered: 2 });
    expect(row(app, during).state).toBe('delivered');
    expect(started.run).toEqual({ delivered: 0, stoppedBecause: 'another worker is delivering' });
    expect(row(app, started.event)).toMatchObject({ state: 'queued', sys_mod_count: '1' });
    expect(app.db.rows('x_incident_io_delivery_lock')).toEqual([]);
  });

  it('an incident whose queue cannot move never hides another incident’s due events behind the look’s limit', () => {
    // INC0000001's first event fails; 25 more of it wait behind it, and they come first in delivery
    // order (sequences 2 to 26): more than one look takes.
    app.respond = (request) => (request.body.includes('INC0000001') ? ok(500) : ok(200));
    const stuck = queueUpdates(app, 26, 'INC0000001');
    deliverQueuedEvent(stuck.events[0]!, app.deliveryDeps(), stuck.incident);
    expect(app.outbox().filter((r) => r.state === 'queued')).toHaveLength(25);
    // An event of another incident whose run found the lock held (it never ran here), later in
    // delivery order: the look of the next run to hold the lock must find it.
    const other = queueStateChange(app, app.incident({ number: 'INC0000002' }).getUniqueValue(), '100');
    const a = queueUpdates(app, 1, 'INC0000003');
    deliverQueuedEvent(a.events[0]!, app.deliveryDeps(), a.incident);
    expect(row(app, other).state).toBe('delivered');

    // The scheduled job too, with the stuck incident first in every turn.
    const later = queueStateChange(app, app.incident({ number: 'INC0000004' }).getUniqueValue(), '100');
    expect(retryAndPurge(app.deliveryDeps(), 100)).toMatchObject({ incidents: 2, delivered: 1 });
    expect(row(app, later).state).toBe('delivered');
  });

  it('takes again an incident it already drained when new events of it were queued meanwhile', () => {
    const a = queueUpdates(app, 1, 'INC0000001');
    const b = queueUpdates(app, 1, 'INC0000002');
    // While B is being sent, a new event of A (drained before) is queued and leaves itself to this worker.
    let queuedMeanwhile = '';
    app.respond = (request) => {
      if (!queuedMeanwhile && request.body.includes('INC0000002')) {
        queuedMeanwhile = queueStateChange(app, a.incident);
      }
      return ok(200);
    };
    expect(deliverQueuedEvent(a.events[0]!, app.deliveryDeps(), a.incident)).toMatchObject({ delivered: 3 });
    expect(queuedMeanwhile).not.toBe('');
    expect(row(app, queuedMeanwhile).state).toBe('delivered');
    expect(row(app, b.events[0]!).state).toBe('delivered');
  });

  it('delivers an event of its own incident queued while it sends, without reading the incident’s queue again', () => {
    const a = queueUpdates(app, 1, 'INC0000001');
    let queuedMeanwhile = '';
    app.respond = () => {
      if (!queuedMeanwhile) {
        queuedMeanwhile = queueStateChange(app, a.incident);
      }
      return ok(200);
    };
    const deps = app.deliveryDeps();
    const pendingReads = jest.spyOn(deps.store, 'pendingForIncident');
    const rowReads = jest.spyOn(FakeGlideRecord.prototype, 'get');
    expect(deliverQueuedEvent(a.events[0]!, deps, a.incident)).toMatchObject({ delivered: 2 });
    expect(row(app, queuedMeanwhile).state).toBe('delivered');
    // The run reads the incident's queue once to start, and once more in the drain that the look for
    // due events sends it to. Each event is the last row of the query that found it, so neither of its
    // two updates (sending, then delivered) reads its row; the lock is deleted without a read either.
    expect(pendingReads).toHaveBeenCalledTimes(2);
    expect(rowReads.mock.calls.filter(([id]) => id === a.events[0] || id === queuedMeanwhile)).toHaveLength(0);
    expect(rowReads.mock.contexts.filter((record) => (record as unknown as { table: string }).table === 'x_incident_io_delivery_lock')).toHaveLength(0);
    rowReads.mockRestore();
  });

  it('a receiver that does not answer costs one request per run, not one per incident', () => {
    app.respond = () => unreachable('Read timed out');
    const incidents = [1, 2, 3].map((n) => queueUpdates(app, 1, `INC000000${n}`));
    expect(deliverQueuedEvent(incidents[0]!.events[0]!, app.deliveryDeps(), incidents[0]!.incident)).toMatchObject({ delivered: 0, unreachable: true });
    expect(app.requests).toHaveLength(1);

    app.advance(3600);
    const run = retryAndPurge(app.deliveryDeps(), 100);
    expect(run).toMatchObject({ incidents: 1, delivered: 0 });
    expect(app.requests).toHaveLength(2);

    app.respond = () => ok(200);
    app.advance(3600);
    expect(retryAndPurge(app.deliveryDeps(), 100)).toMatchObject({ incidents: 3, delivered: 3 });
    for (const i of incidents) expect(row(app, i.events[0]!).state).toBe('delivered');
  });

  it('purges delivered events older than the retention, and nothing else', () => {
    app.respond = (request) => (request.body.includes('"state":"3"') ? ok(500) : ok(200));
    const { events } = queueUpdates(app, 2);
    deliverQueuedEvent(events[0]!, app.deliveryDeps());
    expect(events.map((id) => row(app, id).state)).toEqual(['delivered', 'failed']);
    app.advance(8 * 86400);
    const result = retryAndPurge(app.deliveryDeps(), 100);
    expect(result.purged).toBe(1);
    expect(app.db.rows('x_incident_io_outbound_event').map((r) => r.sys_id)).toEqual([events[1]]);
  });
});
