import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { pageQuery, nextPosition, startPosition } from '../../src/companion/catalog/paging';
import { SOURCE_TABLES, requestedFields, versionOf } from '../../src/companion/catalog/source-tables';
import { ACCOUNTS, API_KEY, CONNECTION_NAME, OAUTH_CLIENT, basic } from '../fixtures/accounts';
import { pushStream, type IncidentRef } from '../fixtures/pushes';
import { monotonicMs, servePart } from '../lib/part';
import { tracePoint } from '../../src/shared/latency-trace';

/**
 * The load generator, in its own process: every timed request of the benchmark starts here.
 * Times are taken on the machine's monotonic clock (shared with the other parts).
 */

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

interface Answer {
  status: number;
  text: string;
}

async function send(url: string, method: string, body: string | undefined, headers: Record<string, string>): Promise<Answer> {
  const res = await request(url, {
    method: method as 'GET',
    ...(body !== undefined ? { body } : {}),
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    dispatcher: agent,
  });
  return { status: res.statusCode, text: await res.body.text() };
}

async function must(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<unknown> {
  const answer = await send(url, method, body === undefined ? undefined : JSON.stringify(body), headers);
  if (answer.status >= 300) throw new Error(`${method} ${url}: ${answer.status} ${answer.text.slice(0, 300)}`);
  return answer.text === '' ? null : JSON.parse(answer.text);
}

const companionApi = (companionUrl: string, method: string, path: string, body?: unknown) =>
  must(`${companionUrl}/api${path}`, method, body, { authorization: `Bearer ${API_KEY}` });

interface View {
  id: string;
  name: string;
  servicenow: { sys_id: string; number: string } | null;
  sync: { pending_writes: number };
}

async function listAll(companionUrl: string): Promise<View[]> {
  const all: View[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = (await companionApi(companionUrl, 'GET', `/incidents?limit=200&offset=${offset}`)) as { incidents: View[] };
    all.push(...page.incidents);
    if (page.incidents.length < 200) return all;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

servePart({
  /** Sequential keep-alive POSTs of a push-sized body to the floor server: each one's duration, ms. */
  async floor(options: { url: string; iterations: number }) {
    const body = JSON.stringify({ padding: 'x'.repeat(2048) });
    const samples: number[] = [];
    for (let i = 0; i < 50 + options.iterations; i++) {
      const start = monotonicMs();
      await send(options.url, 'POST', body, { 'content-type': 'application/json' });
      if (i >= 50) samples.push(monotonicMs() - start);
    }
    return samples;
  },

  /** Declares `count` incidents in incident.io (the companion) and waits until each is in ServiceNow. */
  async declareIncidents(options: { companionUrl: string; count: number; timeoutMs: number }) {
    for (let i = 0; i < options.count; i++) {
      await companionApi(options.companionUrl, 'POST', '/incidents', { name: `bench incident ${i}`, severity: 'minor', status: 'investigating' });
    }
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const all = await listAll(options.companionUrl);
      const ready = all.filter((v) => v.servicenow !== null && v.sync.pending_writes === 0);
      if (ready.length >= options.count) return ready.map((v) => ({ id: v.id, sysId: v.servicenow!.sys_id, number: v.servicenow!.number }));
      if (Date.now() > deadline) throw new Error(`only ${ready.length} of ${options.count} incidents reached ServiceNow in ${options.timeoutMs} ms`);
      await sleep(200);
    }
  },

  /** One PATCH of an incident on the instance as the ITIL user; returns when it was sent and how long it took. */
  async patchIncident(options: { instanceUrl: string; sysId: string; values: Record<string, string> }) {
    tracePoint('lg.patch.sent');
    const sentAt = monotonicMs();
    const answer = await send(`${options.instanceUrl}/api/now/table/incident/${options.sysId}`, 'PATCH', JSON.stringify(options.values), {
      authorization: basic(ACCOUNTS.itil),
      'x-no-response-body': 'true',
    });
    const doneAt = monotonicMs();
    tracePoint('lg.patch.answered');
    if (answer.status !== 200) throw new Error(`PATCH incident ${options.sysId}: ${answer.status} ${answer.text.slice(0, 300)}`);
    return { sentAt, ms: doneAt - sentAt };
  },

  /**
   * The same PATCH of a synced field on two instances, interleaved (A, B, A, B…) so both see the
   * same machine load: each one's durations, ms, after `warmUp` untimed pairs (default 20). Each
   * value carries `label` (a round's), so that no PATCH repeats the value an incident already has
   * (an update that changes nothing runs no business rule).
   */
  async interleavedPatches(options: { targets: Array<{ instanceUrl: string; sysIds: string[] }>; iterations: number; field: string; warmUp?: number; label?: string }) {
    const warmUp = options.warmUp ?? 20;
    const samples = options.targets.map(() => [] as number[]);
    for (let i = 0; i < options.iterations + warmUp; i++) {
      for (let t = 0; t < options.targets.length; t++) {
        const target = options.targets[t]!;
        const sysId = target.sysIds[i % target.sysIds.length]!;
        const start = monotonicMs();
        const answer = await send(`${target.instanceUrl}/api/now/table/incident/${sysId}`, 'PATCH', JSON.stringify({ [options.field]: `overhead ${options.label ?? ''}${i}` }), {
          authorization: basic(ACCOUNTS.itil),
          'x-no-response-body': 'true',
        });
        if (answer.status !== 200) throw new Error(`PATCH incident ${sysId}: ${answer.status} ${answer.text.slice(0, 300)}`);
        if (i >= warmUp) samples[t]!.push(monotonicMs() - start);
      }
    }
    return samples;
  },

  /** Signed pushes (a new event each, round-robin over the incidents) for `seconds`: autocannon's figures. */
  async ingest(options: { url: string; secret: string; incidents: IncidentRef[]; firstSequence: number; seconds: number; connections: number }) {
    const next = pushStream(options.secret, options.incidents, options.firstSequence);
    const result = await autocannon({
      url: `${options.url}/webhooks/servicenow/${CONNECTION_NAME}`,
      connections: options.connections,
      duration: options.seconds,
      requests: [{ method: 'POST', setupRequest: (req: autocannon.Request) => ({ ...req, ...next() }) }],
    });
    return { perSecond: result.requests.average, total: result.requests.total, non2xx: result.non2xx, errors: result.errors, p50: result.latency.p50, p99: result.latency.p99 };
  },

  /**
   * Polling latency: `changes` PATCHes of a synced field on the instance, at random moments over
   * `spreadMs` (random incidents), each timed until the companion's incident API shows it
   * (checked every `checkMs`).
   */
  async pollingLatency(options: { instanceUrl: string; companionUrl: string; incidents: Array<{ id: string; sysId: string }>; changes: number; spreadMs: number; checkMs: number; timeoutMs: number }) {
    const pending = new Map<string, { name: string; sentAt: number }>();
    const latencies: number[] = [];
    const order = [...options.incidents].sort(() => Math.random() - 0.5).slice(0, options.changes);
    const times = order.map(() => Math.random() * options.spreadMs).sort((a, b) => a - b);
    const started = monotonicMs();
    let sent = 0;
    const deadline = Date.now() + options.spreadMs + options.timeoutMs;
    const sender = (async () => {
      for (let i = 0; i < order.length; i++) {
        const wait = started + times[i]! - monotonicMs();
        if (wait > 0) await sleep(wait);
        const incident = order[i]!;
        const name = `polled ${i} ${Date.now()}`;
        const sentAt = monotonicMs();
        await must(`${options.instanceUrl}/api/now/table/incident/${incident.sysId}`, 'PATCH', { short_description: name }, { authorization: basic(ACCOUNTS.itil), 'x-no-response-body': 'true' });
        pending.set(incident.id, { name, sentAt });
        sent++;
      }
    })();
    while (sent < order.length || pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`${pending.size} polled changes not applied in time`);
      await sleep(options.checkMs);
      if (pending.size === 0) continue;
      const seenAt = monotonicMs();
      for (const view of await listAll(options.companionUrl)) {
        const p = pending.get(view.id);
        if (p && view.name === p.name) {
          latencies.push(seenAt - p.sentAt);
          pending.delete(view.id);
        }
      }
    }
    await sender;
    return latencies;
  },

  /** Changes each incident's name in incident.io (the backlog the companion must write to ServiceNow). */
  async renameIncidents(options: { companionUrl: string; ids: string[]; prefix: string }) {
    for (const id of options.ids) await companionApi(options.companionUrl, 'PATCH', `/incidents/${id}`, { name: `${options.prefix} ${id}` });
    return options.ids.length;
  },

  /** Incidents with writes still pending in the companion. */
  async pendingWrites(options: { companionUrl: string }) {
    return (await listAll(options.companionUrl)).reduce((n, v) => n + v.sync.pending_writes, 0);
  },

  /** The names incident.io shows, by incident id. */
  async names(options: { companionUrl: string }) {
    return Object.fromEntries((await listAll(options.companionUrl)).map((v) => [v.id, v.name]));
  },

  /**
   * Raw paging, the catalog import's reference: the same pages (same query, fields, page size,
   * keyset positions) fetched and parsed with a bearer token, nothing stored.
   */
  async rawPaging(options: { instanceUrl: string; pageSize: number }) {
    const token = (await (
      await fetch(`${options.instanceUrl}/oauth_token.do`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', client_id: OAUTH_CLIENT.id, client_secret: OAUTH_CLIENT.secret, username: ACCOUNTS.svc.user, password: ACCOUNTS.svc.password }),
      })
    ).json()) as { access_token: string };
    const source = SOURCE_TABLES.cmdb_ci;
    const fields = requestedFields(source).join(',');
    let position = startPosition(null);
    let rows = 0;
    const start = monotonicMs();
    for (let first = true; ; first = false) {
      const params = new URLSearchParams({
        sysparm_query: pageQuery(position).build().thenOrderBy('sys_id').text,
        sysparm_limit: String(options.pageSize),
        sysparm_offset: String(position.offset),
        sysparm_fields: fields,
        sysparm_exclude_reference_link: 'true',
        ...(first ? {} : { sysparm_no_count: 'true' }),
      });
      const answer = await send(`${options.instanceUrl}/api/now/table/${source.table}?${params}`, 'GET', undefined, { authorization: `Bearer ${token.access_token}`, accept: 'application/json' });
      if (answer.status !== 200) throw new Error(`raw paging: ${answer.status} ${answer.text.slice(0, 200)}`);
      const records = (JSON.parse(answer.text) as { result: Array<Record<string, string>> }).result;
      rows += records.length;
      const next = nextPosition(position, records.map((r) => versionOf(r)), options.pageSize);
      if (!next) break;
      position = next;
    }
    return { rows, seconds: (monotonicMs() - start) / 1000 };
  },
});

// Stopped by the orchestrator: exit normally, so that a `--cpu-prof` profile is written.
process.once('SIGTERM', () => process.exit(0));
