import diagnosticsChannel from 'node:diagnostics_channel';
import type { ServiceNowConnection } from '../../../../src/companion/client/connection';
import { EncodedQuery, encodedQuery } from '../../../../src/companion/client/encoded-query';
import {
  InvalidClientOptionError,
  InvalidIdentifierError,
  InvalidQueryError,
  NotServiceNowError,
  ServiceNowNotFoundError,
  ServiceNowRequestAbortedError,
  ServiceNowServerError,
} from '../../../../src/companion/client/errors';
import { TableClient } from '../../../../src/companion/client/table-client';
import { answer, FakeServiceNow } from '../../../helpers/fake-servicenow';
import { connectToFake } from '../../../helpers/servicenow-client';

interface Incident {
  sys_id: string;
  number: string;
  short_description: string;
  active: string;
}

const listCalls = (fake: FakeServiceNow) =>
  fake.apiRequests().filter((r) => r.method === 'GET' && r.path === '/api/now/table/incident');

describe('TableClient (against a fake instance over HTTP)', () => {
  let fake: FakeServiceNow;
  let connection: ServiceNowConnection;
  let table: TableClient;

  beforeEach(async () => {
    fake = await FakeServiceNow.start();
    connection = connectToFake(fake).connection;
    table = new TableClient(connection);
    fake.seed(
      'incident',
      Array.from({ length: 23 }, (_, i) => ({
        number: `INC${String(10001 + i).padStart(7, '0')}`,
        short_description: `Incident ${i}`,
        active: i % 2 === 0 ? 'true' : 'false',
      })),
    );
  });
  afterEach(async () => {
    await connection.close();
    await fake.close();
  });

  describe('list', () => {
    it('pages through every record with sysparm_limit and sysparm_offset, stopping on a short page', async () => {
      const seen: Incident[] = [];
      for await (const incident of table.list<Incident>('incident', { pageSize: 5 })) seen.push(incident);
      expect(seen).toHaveLength(23);
      expect(new Set(seen.map((i) => i.sys_id)).size).toBe(23);
      expect(seen.map((i) => i.sys_id)).toEqual(fake.tables.get('incident')!.map((r) => r.sys_id));
      const pages = listCalls(fake).map((r) => [r.query.get('sysparm_limit'), r.query.get('sysparm_offset')]);
      expect(pages).toEqual([
        ['5', '0'],
        ['5', '5'],
        ['5', '10'],
        ['5', '15'],
        ['5', '20'],
      ]);
    });

    it('asks for the next page only when the consumer reaches it (one page in memory)', async () => {
      const iterator = table.list<Incident>('incident', { pageSize: 10 });
      await iterator.next();
      expect(listCalls(fake)).toHaveLength(1);
      for (let i = 1; i < 10; i++) await iterator.next();
      expect(listCalls(fake)).toHaveLength(1);
      await iterator.next();
      expect(listCalls(fake)).toHaveLength(2);
      await iterator.return();
    });

    it('makes one more request for an exact multiple of the page size', async () => {
      let count = 0;
      for await (const _ of table.list('incident', { pageSize: 23 })) count += 1;
      expect(count).toBe(23);
      expect(listCalls(fake)).toHaveLength(2);
    });

    describe('when ACLs hide rows (ServiceNow drops them after applying the limit)', () => {
      beforeEach(() => {
        // The first page's window holds 5 rows, 2 of which the service account may not read.
        fake.once({ path: '/api/now/table/incident' }, (_req, res) => {
          const window = fake.tables.get('incident')!.slice(0, 5);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ result: [window[0], window[2], window[4]] }));
        });
      });

      it('reads on to an empty page when told not to trust short pages, without repeating rows', async () => {
        const seen: string[] = [];
        for await (const r of table.list<Incident>('incident', { pageSize: 5, stopOnShortPage: false })) seen.push(r.sys_id);
        expect(seen).toHaveLength(3 + 18);
        expect(new Set(seen).size).toBe(21);
        expect(listCalls(fake).map((r) => r.query.get('sysparm_offset'))).toEqual(['0', '5', '10', '15', '20', '25']);
      });

      it('stops at the shortened page by default', async () => {
        let count = 0;
        for await (const _ of table.list('incident', { pageSize: 5 })) count += 1;
        expect(count).toBe(3);
      });
    });

    it('stops after maxRecords, asking for no more than needed', async () => {
      const seen: Incident[] = [];
      for await (const r of table.list<Incident>('incident', { pageSize: 5, maxRecords: 7 })) seen.push(r);
      expect(seen).toHaveLength(7);
      expect(listCalls(fake).map((r) => r.query.get('sysparm_limit'))).toEqual(['5', '2']);
    });

    it('orders by sys_id after the query\'s own sort keys, and asks for no count', async () => {
      const query = encodedQuery().where('active', '=', true).orderByDesc('number');
      const seen: Incident[] = [];
      for await (const r of table.list<Incident>('incident', { query, pageSize: 100 })) seen.push(r);
      expect(seen).toHaveLength(12);
      const [request] = listCalls(fake);
      expect(request!.query.get('sysparm_query')).toBe('active=true^ORDERBYDESCnumber^ORDERBYsys_id');
      expect(request!.query.get('sysparm_no_count')).toBe('true');
    });

    it('can leave the order alone', async () => {
      for await (const _ of table.list('incident', { orderBySysId: false, maxRecords: 1 })) break;
      expect(listCalls(fake)[0]!.query.has('sysparm_query')).toBe(false);
    });

    it('uses a default page size of 500', async () => {
      for await (const _ of table.list('incident')) break;
      expect(listCalls(fake)[0]!.query.get('sysparm_limit')).toBe('500');
    });

    it('passes fields, display values and reference links', async () => {
      const seen: Record<string, unknown>[] = [];
      for await (const r of table.list('incident', {
        fields: ['Number', 'caller_id.user_name', 'sys_id'],
        displayValue: 'all',
        excludeReferenceLink: true,
        maxRecords: 2,
      })) {
        seen.push(r);
      }
      const [request] = listCalls(fake);
      expect(request!.query.get('sysparm_fields')).toBe('number,caller_id.user_name,sys_id');
      expect(request!.query.get('sysparm_display_value')).toBe('all');
      expect(request!.query.get('sysparm_exclude_reference_link')).toBe('true');
      expect(Object.keys(seen[0]!).sort()).toEqual(['number', 'sys_id']);
    });

    it('retries a page after a 503 and carries on', async () => {
      fake.once({ path: '/api/now/table/incident' }, answer.serviceUnavailable());
      let count = 0;
      for await (const _ of table.list('incident', { pageSize: 10 })) count += 1;
      expect(count).toBe(23);
    });

    it('can be cancelled between pages', async () => {
      const controller = new AbortController();
      const seen: Incident[] = [];
      const reading = (async () => {
        for await (const r of table.list<Incident>('incident', { pageSize: 5, signal: controller.signal })) {
          seen.push(r);
          if (seen.length === 5) controller.abort();
        }
      })();
      await expect(reading).rejects.toBeInstanceOf(ServiceNowRequestAbortedError);
      expect(seen).toHaveLength(5);
    });

    it('refuses a page that is not a list of records', async () => {
      fake.once({ path: '/api/now/table/incident' }, answer.json(200, { result: { not: 'a list' } }));
      await expect(table.listPage('incident', { limit: 5 })).rejects.toBeInstanceOf(NotServiceNowError);
      fake.once({ path: '/api/now/table/incident' }, answer.json(200, { records: [] }));
      await expect(table.listPage('incident', { limit: 5 })).rejects.toBeInstanceOf(NotServiceNowError);
      fake.once({ path: '/api/now/table/incident' }, answer.json(200, { result: ['x'] }));
      await expect(table.listPage('incident', { limit: 5 })).rejects.toBeInstanceOf(NotServiceNowError);
    });

    it.each([0, -1, 10_001, 2.5, Number.NaN])('refuses the page size %p', async (pageSize) => {
      await expect(table.list('incident', { pageSize }).next()).rejects.toBeInstanceOf(InvalidClientOptionError);
    });
  });

  describe('listPage', () => {
    it('returns one page, the next offset and the total count', async () => {
      const page = await table.listPage<Incident>('incident', { limit: 10, offset: 20 });
      expect(page.records).toHaveLength(3);
      expect(page.nextOffset).toBe(30);
      expect(page.totalCount).toBe(23);
    });

    it('requestsWritten resolves once a request on the reused keep-alive connection is on its socket', async () => {
      await table.listPage('incident', { limit: 5, offset: 0 });
      const sent: string[] = [];
      const onSend = (message: unknown) => sent.push((message as { request: { path: string } }).request.path);
      diagnosticsChannel.subscribe('undici:client:sendHeaders', onSend);
      try {
        const next = table.listPage<Incident>('incident', { limit: 5, offset: 5 });
        await table.requestsWritten();
        // Checked before the event loop turns again: a caller may now block the thread (the
        // catalog import's synchronous store) while the instance answers.
        expect(sent.filter((p) => p.includes('sysparm_offset=5'))).toHaveLength(1);
        expect((await next).records).toHaveLength(5);
      } finally {
        diagnosticsChannel.unsubscribe('undici:client:sendHeaders', onSend);
      }
    });

    it('refuses a plain string as a query', async () => {
      const query = 'active=true^ORpriority=1' as unknown as EncodedQuery;
      await expect(table.listPage('incident', { limit: 1, query })).rejects.toBeInstanceOf(InvalidQueryError);
      expect(fake.apiRequests()).toHaveLength(0);
    });

    it('accepts a trusted hand-written query', async () => {
      await table.listPage('incident', { limit: 1, query: EncodedQuery.fromTrustedString('active=true'), orderBySysId: false });
      expect(listCalls(fake)[0]!.query.get('sysparm_query')).toBe('active=true');
    });

    it('refuses a negative offset', async () => {
      await expect(table.listPage('incident', { limit: 1, offset: -1 })).rejects.toBeInstanceOf(InvalidClientOptionError);
    });

    it('uses a versioned path when asked', async () => {
      await new TableClient(connection, { apiVersion: 'v2' }).listPage('incident', { limit: 1 });
      expect(fake.apiRequests()[0]!.path).toBe('/api/now/v2/table/incident');
    });
  });

  describe('get', () => {
    it('returns one record', async () => {
      const first = fake.tables.get('incident')![0]!;
      const incident = await table.get<Incident>('incident', first.sys_id!, { fields: ['number'] });
      expect(incident).toEqual({ number: first.number });
      expect(fake.apiRequests()[0]!.path).toBe(`/api/now/table/incident/${first.sys_id}`);
    });

    it('maps a missing record to ServiceNowNotFoundError', async () => {
      const error = await table.get('incident', 'ffffffffffffffffffffffffffffffff').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceNowNotFoundError);
      expect(error).toMatchObject({ status: 404, serviceNowMessage: 'No Record found' });
    });

    it('refuses table names and sys_ids that would change the path, before any request', async () => {
      await expect(table.get('incident/../sys_user', 'ffffffffffffffffffffffffffffffff')).rejects.toBeInstanceOf(
        InvalidIdentifierError,
      );
      await expect(table.get('incident', '../../sys_user/ffffffffffffffffffffffffffffffff')).rejects.toBeInstanceOf(
        InvalidIdentifierError,
      );
      await expect(table.get('incident', 'ffffffffffffffffffffffffffffffff?sysparm_fields=x')).rejects.toBeInstanceOf(
        InvalidIdentifierError,
      );
      await expect(table.get('incident', 'ffffffffffffffffffffffffffffffff', { fields: ['number,password'] })).rejects.toBeInstanceOf(InvalidIdentifierError);
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('writes', () => {
    it('creates a record with POST and returns it', async () => {
      const created = await table.create<Incident>('incident', { short_description: 'Disk full', impact: 2 });
      expect(created.sys_id).toMatch(/^[0-9a-f]{32}$/);
      expect(created.short_description).toBe('Disk full');
      const [request] = fake.apiRequests();
      expect(request!.method).toBe('POST');
      expect(JSON.parse(request!.body)).toEqual({ short_description: 'Disk full', impact: 2 });
    });

    it('updates with PATCH, passing input display values when asked', async () => {
      const first = fake.tables.get('incident')![0]!;
      const updated = await table.update<Incident>('incident', first.sys_id!, { short_description: 'Changed' }, {
        inputDisplayValue: true,
      });
      expect(updated.short_description).toBe('Changed');
      const [request] = fake.apiRequests();
      expect(request!.method).toBe('PATCH');
      expect(request!.query.get('sysparm_input_display_value')).toBe('true');
    });

    it('does not retry a create or an update after a 5xx unless marked idempotent', async () => {
      const first = fake.tables.get('incident')![0]!;
      fake.once({ method: 'POST', path: '/api/now/table/incident' }, answer.serviceUnavailable());
      await expect(table.create('incident', { short_description: 'x' })).rejects.toBeInstanceOf(ServiceNowServerError);
      fake.once({ method: 'PATCH' }, answer.serviceUnavailable());
      await expect(table.update('incident', first.sys_id!, { work_notes: 'x' })).rejects.toBeInstanceOf(ServiceNowServerError);
      fake.once({ method: 'PATCH' }, answer.serviceUnavailable());
      await expect(table.update('incident', first.sys_id!, { state: '2' }, { idempotent: true })).resolves.toMatchObject({
        state: '2',
      });
      expect(fake.apiRequests().map((r) => r.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH']);
    });

    it('deletes with DELETE (204, no body)', async () => {
      const first = fake.tables.get('incident')![0]!;
      await expect(table.delete('incident', first.sys_id!)).resolves.toBeUndefined();
      expect(fake.tables.get('incident')!.some((r) => r.sys_id === first.sys_id)).toBe(false);
      await expect(table.delete('incident', first.sys_id!)).rejects.toBeInstanceOf(ServiceNowNotFoundError);
    });
  });
});
