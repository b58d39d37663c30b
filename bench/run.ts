/**
 * `npm run bench`: the product's speed and memory, each measured side by side with its physical
 * floor in the same run (these machines are shared and noisy: compare ratios, not absolute times).
 *
 *   1. Loopback round trip (the floor) vs a Table API PATCH on the local instance vs a ServiceNow
 *      change reaching incident.io end to end (PATCH → the app's business rule → outbox → async
 *      delivery → signed push → the companion stores and applies it).
 *   2. Pushes received per second by the companion's webhook (verify, validate, store durably)
 *      vs a bare HTTP endpoint on the same stack (fastify) that does nothing.
 *   3. Catalog import: rows per second, and live memory for 10,000 vs 50,000 CIs (streamed pages:
 *      memory must stay flat as the CMDB grows fivefold).
 *
 * Options (environment): BENCH_QUICK=1 runs fewer iterations (a smoke run).
 */
import autocannon from 'autocannon';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { Agent, request } from 'undici';
import { importCatalog } from '../src/companion/catalog';
import { openCatalogClient } from '../src/companion/catalog/catalog-client';
import { formatServiceNowTime } from '../src/companion/catalog/paging';
import { companionFor, startCatalogInstance } from '../test/helpers/catalog-fixture';
import { signBody } from '../test/helpers/hmac';
import { USERS } from '../test/helpers/instance';
import { CONNECTION, startRealtimeFixture } from '../test/helpers/sync-fixture';
import { pushBodyFor } from '../test/helpers/sync-pushes';

const QUICK = process.env.BENCH_QUICK === '1';
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

function stats(samplesMs: number[]): Stats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), mean: sorted.reduce((s, v) => s + v, 0) / sorted.length };
}

const ms = (v: number) => (v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(2)} ms`);
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** 1. Latency: loopback floor, Table API PATCH, ServiceNow change → incident.io. */
async function latency(): Promise<void> {
  const iterations = QUICK ? 40 : 300;
  const body = JSON.stringify({ padding: 'x'.repeat(2048) });

  // The floor: an HTTP POST of a push-sized body on loopback, keep-alive, to a server that answers at once.
  const floorServer = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => floorServer.listen(0, '127.0.0.1', resolve));
  const floorUrl = `http://127.0.0.1:${(floorServer.address() as AddressInfo).port}/`;
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const post = async (url: string, method: 'POST' | 'PATCH', payload: string, headers: Record<string, string> = {}) => {
    const res = await request(url, { method, body: payload, headers: { 'content-type': 'application/json', ...headers }, dispatcher: agent });
    await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode}`);
  };
  for (let i = 0; i < 50; i++) await post(floorUrl, 'POST', body);
  const floor: number[] = [];
  for (let i = 0; i < iterations; i++) floor.push(await time(() => post(floorUrl, 'POST', body)));
  floorServer.close();

  // The product: the local instance running the app's real build, the companion connected to it.
  const f = await startRealtimeFixture();
  try {
    const declared = await f.declare({ name: 'bench', severity: 'minor', status: 'investigating' });
    const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
    const itil = { authorization: `Basic ${Buffer.from(`${USERS.itil.user}:${USERS.itil.password}`).toString('base64')}` };
    const recordUrl = `${f.sn.url}/api/now/table/incident/${sysId}`;
    const incidentId = declared.id;
    const nameNow = async () => (await f.companion.store.sync.incidents.getIncident(incidentId))?.name;

    // A PATCH of a field that is not synced (the app's business rule runs, queues nothing): the Table API's own cost.
    const tableApi: number[] = [];
    for (let i = 0; i < iterations; i++) {
      tableApi.push(await time(() => post(recordUrl, 'PATCH', JSON.stringify({ category: `bench ${i % 2}` }), { ...itil, 'x-no-response-body': 'true' })));
    }

    // A synced change, until incident.io shows it.
    const endToEnd: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const name = `bench change ${i}`;
      endToEnd.push(
        await time(async () => {
          await post(recordUrl, 'PATCH', JSON.stringify({ short_description: name }), { ...itil, 'x-no-response-body': 'true' });
          const deadline = Date.now() + 10_000;
          while ((await nameNow()) !== name) {
            if (Date.now() > deadline) throw new Error(`change ${i} did not arrive within 10 s`);
            await new Promise((resolve) => setImmediate(resolve));
          }
        }),
      );
    }

    const rows = [
      ['loopback HTTP round trip (floor)', stats(floor)],
      ['Table API PATCH, local instance', stats(tableApi)],
      ['ServiceNow change → applied in incident.io', stats(endToEnd)],
    ] as const;
    const widths = [44, 10, 10, 10, 14];
    console.log('\n1. Latency (sequential, keep-alive, loopback)');
    console.log(row(['', 'p50', 'p95', 'p99', 'p50 vs floor'], widths));
    for (const [label, s] of rows) console.log(row([label, ms(s.p50), ms(s.p95), ms(s.p99), ratio(s.p50, rows[0][1].p50)], widths));
  } finally {
    await agent.close();
    await f.close();
  }
}

/** 2. Throughput of the webhook receiver vs a bare endpoint. */
async function webhookThroughput(): Promise<void> {
  const duration = QUICK ? 2 : 8;
  const connections = 8;

  const bare = Fastify({ logger: false });
  bare.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, raw, done) => done(null, raw));
  bare.post('/webhooks/servicenow/:connection', async () => ({ result: 'stored' }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;

  const f = await startRealtimeFixture();
  try {
    const secret = f.connection.signingSecret!.reveal();
    const declared = await f.declare({ name: 'throughput', severity: 'minor' });
    const record = await f.record((await f.synced(declared.id)).servicenow!.sys_id);
    let sequence = 100;
    // Each request a new event (a new id, the next sequence), signed as the app signs.
    const nextPush = () => {
      const body = JSON.stringify({ ...pushBodyFor(record, { sequence: ++sequence, changedFields: ['short_description'], values: { short_description: `t${sequence}` } }), event_id: crypto.randomBytes(16).toString('hex') });
      return { body, headers: { 'content-type': 'application/json', 'x-incident-io-signature': signBody(secret, body) } };
    };
    const run = (url: string) =>
      autocannon({
        url: `${url}/webhooks/servicenow/${CONNECTION}`,
        connections,
        duration,
        requests: [{ method: 'POST', setupRequest: (req: autocannon.Request) => ({ ...req, ...nextPush() }) }],
      });
    await run(bareUrl);
    const floor = await run(bareUrl);
    const product = await run(f.companion.url);
    const stored = await f.companion.store.sync.inbound.listForIncident(f.connection.id, record.sys_id!);
    const widths = [44, 12, 10, 10, 14];
    console.log(`\n2. Webhook throughput (${connections} connections, ${duration} s each, a new signed event per request)`);
    console.log(row(['', 'req/s', 'p50', 'non-2xx', 'vs bare'], widths));
    console.log(row(['bare fastify endpoint (floor)', floor.requests.average.toFixed(0), ms(floor.latency.p50), String(floor.non2xx), '1.0×'], widths));
    console.log(
      row(
        ['companion webhook: verify + validate + store', product.requests.average.toFixed(0), ms(product.latency.p50), String(product.non2xx), ratio(floor.requests.average, product.requests.average) + ' slower'],
        widths,
      ),
    );
    console.log(`   events stored durably: ${stored.length} (every 2xx is a stored event)`);
  } finally {
    await bare.close();
    await f.close();
  }
}

/** 3. Catalog import speed and memory at two CMDB sizes. */
async function catalogMemory(): Promise<void> {
  const sizes = QUICK ? [2_000, 10_000] : [10_000, 50_000];
  const results: Array<{ size: number; seconds: number; heapPeak: number; rssPeak: number; tableBytes: number }> = [];
  for (const size of sizes) {
    const sn = await startCatalogInstance();
    const companion = await companionFor(sn);
    const client = openCatalogClient(companion.connection);
    try {
      const start = sn.engine.now() - 86_400_000;
      sn.engine.transaction(() => {
        for (let i = 0; i < size; i++) {
          sn.engine.insert('cmdb_ci_server', { name: `ci-${i}`, sys_updated_on: formatServiceNowTime(start + i * 1000) }, { runBusinessRules: false, allowSystemFields: true });
        }
      });
      // Warm up (code paths, caches, prepared statements) on another table, so only growth is measured.
      await importCatalog({ store: companion.store, client: client.table, connectionName: companion.connection.name, tables: ['sys_user'] });
      // What holding the whole table would cost: one page's JSON, scaled.
      const sample = await client.table.listPage('cmdb_ci', { limit: 500 });
      const tableBytes = (Buffer.byteLength(JSON.stringify(sample.records)) / sample.records.length) * (size + 10);
      gc();
      const baseHeap = process.memoryUsage().heapUsed;
      const baseRss = process.memoryUsage().rss;
      // Live memory: collected after every stored page, so garbage not yet collected does not count.
      let heapPeak = 0;
      let rssPeak = 0;
      const onProgress = (event: { type: string }) => {
        if (event.type !== 'page-stored') return;
        gc();
        const m = process.memoryUsage();
        heapPeak = Math.max(heapPeak, m.heapUsed - baseHeap);
        rssPeak = Math.max(rssPeak, m.rss - baseRss);
      };
      const seconds =
        (await time(() => importCatalog({ store: companion.store, client: client.table, connectionName: companion.connection.name, tables: ['cmdb_ci'], onProgress }))) / 1000;
      results.push({ size, seconds, heapPeak, rssPeak, tableBytes });
    } finally {
      await client.close();
      await companion.close();
      await sn.close();
    }
  }
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const widths = [16, 10, 10, 16, 14, 12];
  console.log('\n3. Catalog import of cmdb_ci (pages of 500, streamed; live memory measured after a GC at every page)');
  console.log(row(['', 'seconds', 'rows/s', 'table as JSON', 'live heap Δ', 'RSS Δ'], widths));
  for (const r of results) {
    console.log(row([`${r.size.toLocaleString('en')} CIs`, r.seconds.toFixed(2), (r.size / r.seconds).toFixed(0), mb(r.tableBytes), mb(r.heapPeak), mb(r.rssPeak)], widths));
  }
  const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
  console.log(
    `   ${large.size / small.size}× the rows: ${ratio(large.tableBytes, small.tableBytes)} the data, live heap +${mb(large.heapPeak - small.heapPeak)} ` +
      `(${((large.heapPeak / large.tableBytes) * 100).toFixed(1)}% of the table), time ${ratio(large.seconds, small.seconds)}`,
  );
}

async function main(): Promise<void> {
  console.log(`incident.io ⇄ ServiceNow benchmarks${QUICK ? ' (quick)' : ''}: Node ${process.version}, ${new Date().toISOString()}`);
  await latency();
  await webhookThroughput();
  await catalogMemory();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
