import { expectStatus, expectThat, resultOf, type ConformanceCase } from '../case';
import { SOURCES } from './sources';

type Row = Record<string, unknown>;

/** Base fields of task/incident that clients read. */
const INCIDENT_BASE_FIELDS = [
  'number',
  'state',
  'incident_state',
  'notify',
  'sys_domain',
  'approval',
  'escalation',
  'made_sla',
  'sys_tags',
  'comments_and_work_notes',
  'company',
  'location',
  'reassignment_count',
  'opened_at',
  'caller_id',
  'sys_updated_on',
] as const;

export const TABLE_API_CASES: readonly ConformanceCase[] = [
  {
    name: 'Table API: a body sent as text/plain is refused with 415',
    source: `${SOURCES.statusCodes}; ${SOURCES.tableApi} (request formats application/json, application/xml)`,
    async run({ client, marker }) {
      const res = await client.request('POST', '/api/now/table/incident', {
        body: JSON.stringify({ short_description: `${marker} wrong content type` }),
        headers: { 'content-type': 'text/plain' },
      });
      expectStatus(res, 415, 'POST with Content-Type text/plain');
      const found = await client.request('GET', '/api/now/table/incident', { query: { sysparm_query: `short_description=${marker} wrong content type`, sysparm_fields: 'sys_id' } });
      expectThat(resultOf<Row[]>(found).length === 0, 'a refused body must not create a record');
    },
  },
  {
    name: 'Table API: Accept application/xml answers XML',
    source: SOURCES.tableApi,
    async run({ client, createIncident }) {
      const incident = await createIncident();
      const res = await client.request('GET', `/api/now/table/incident/${String(incident.sys_id)}`, {
        headers: { accept: 'application/xml' },
        query: { sysparm_fields: 'number,sys_id' },
      });
      expectStatus(res, 200, 'GET with Accept application/xml');
      expectThat((res.headers.get('content-type') ?? '').includes('xml'), `Content-Type should be XML, got ${res.headers.get('content-type')}`);
      expectThat(res.text.includes('<response>') && res.text.includes('<result>'), `body should be <response><result>…, got ${res.text.slice(0, 200)}`);
      expectThat(res.text.includes(`<number>${String(incident.number)}</number>`), 'the XML should hold the record number');
    },
  },
  {
    name: 'Table API: an Accept it cannot satisfy gets 406',
    source: SOURCES.statusCodes,
    async run({ client }) {
      const res = await client.request('GET', '/api/now/table/incident', { headers: { accept: 'text/csv' }, query: { sysparm_limit: 1 } });
      expectStatus(res, 406, 'GET with Accept text/csv');
    },
  },
  {
    name: 'Table API: an XML request body creates a record',
    source: `${SOURCES.tableApi}; ${SOURCES.restExplorerXml}`,
    async run({ client, marker, cleanup }) {
      const res = await client.request('POST', '/api/now/table/incident', {
        body: `<request><entry><short_description>${marker} from XML</short_description><urgency>2</urgency></entry></request>`,
        headers: { 'content-type': 'application/xml' },
      });
      expectStatus(res, 201, 'POST with an XML body');
      const record = resultOf<Row>(res);
      cleanup(() => client.request('DELETE', `/api/now/table/incident/${String(record.sys_id)}`));
      expectThat(record.short_description === `${marker} from XML`, `short_description should come from the XML, got ${String(record.short_description)}`);
      expectThat(record.urgency === '2', `urgency should be 2, got ${String(record.urgency)}`);
    },
  },
  {
    name: 'Table API: a JSON array body creates its first record only (201)',
    source: 'issue 13: the platform processes the first record of a JSON array body and answers 201',
    async run({ client, marker, cleanup }) {
      const res = await client.request('POST', '/api/now/table/incident', {
        body: [{ short_description: `${marker} array first` }, { short_description: `${marker} array second` }],
      });
      expectStatus(res, 201, 'POST with a JSON array');
      const record = resultOf<Row>(res);
      cleanup(() => client.request('DELETE', `/api/now/table/incident/${String(record.sys_id)}`));
      expectThat(record.short_description === `${marker} array first`, 'the first element should be the record created');
      const second = await client.request('GET', '/api/now/table/incident', { query: { sysparm_query: `short_description=${marker} array second`, sysparm_fields: 'sys_id' } });
      const extra = resultOf<Row[]>(second);
      for (const row of extra) cleanup(() => client.request('DELETE', `/api/now/table/incident/${String(row.sys_id)}`));
      expectThat(extra.length === 0, 'the second element must not be created');
    },
  },
  {
    name: 'Table API: version 1 answers a query with no match with 404, version 2 with 200 and []',
    source: SOURCES.tableApi,
    async run({ client, marker }) {
      const query = { sysparm_query: `short_description=${marker} matches nothing` };
      const v1 = await client.request('GET', '/api/now/v1/table/incident', { query });
      expectStatus(v1, 404, 'v1 list with no match');
      const v2 = await client.request('GET', '/api/now/v2/table/incident', { query });
      expectStatus(v2, 200, 'v2 list with no match');
      expectThat(Array.isArray(resultOf(v2)) && resultOf<Row[]>(v2).length === 0, 'v2 result should be []');
    },
  },
  {
    name: 'Table API: name-value pair filters apply (by value and by display value)',
    source: SOURCES.tableApi,
    async run({ client, createIncident }) {
      const incident = await createIncident({ urgency: '2', impact: '2' });
      const byNumber = await client.request('GET', '/api/now/table/incident', { query: { number: String(incident.number), sysparm_fields: 'number' } });
      expectStatus(byNumber, 200, 'GET ?number=');
      const rows = resultOf<Row[]>(byNumber);
      expectThat(rows.length === 1 && rows[0].number === incident.number, `?number= should return that incident only, got ${rows.length} rows`);
      const byDisplay = await client.request('GET', '/api/now/table/incident', {
        query: { number: String(incident.number), urgency: '2 - Medium', sysparm_fields: 'number' },
      });
      expectThat(resultOf<Row[]>(byDisplay).length === 1, '?urgency=<display value> should match');
      const excluded = await client.request('GET', '/api/now/table/incident', { query: { number: String(incident.number), urgency: '3', sysparm_fields: 'number' } });
      expectThat(resultOf<Row[]>(excluded).length === 0, '?urgency=3 should exclude an urgency 2 incident');
    },
  },
  {
    name: 'Table API: incidents carry the base task/incident fields, and sysparm_fields returns them',
    source: SOURCES.clients,
    async run({ client, createIncident }) {
      const incident = await createIncident();
      for (const field of INCIDENT_BASE_FIELDS) expectThat(field in incident, `an incident should have the field ${field}`);
      expectThat(incident.incident_state === incident.state, `incident_state (${String(incident.incident_state)}) should equal state (${String(incident.state)})`);
      const some = await client.request('GET', `/api/now/table/incident/${String(incident.sys_id)}`, {
        query: { sysparm_fields: 'incident_state,notify,made_sla,escalation,approval' },
      });
      const row = resultOf<Row>(some);
      expectThat(Object.keys(row).sort().join(',') === 'approval,escalation,incident_state,made_sla,notify', `sysparm_fields should return exactly those fields, got ${Object.keys(row).join(',')}`);
    },
  },
  {
    name: 'Table API: sysparm_suppress_auto_sys_field=true leaves the system fields alone',
    source: SOURCES.tableApi,
    async run({ client, createIncident }) {
      const incident = await createIncident();
      const res = await client.request('PATCH', `/api/now/table/incident/${String(incident.sys_id)}`, {
        body: { description: 'changed without touching sys fields' },
        query: { sysparm_suppress_auto_sys_field: 'true' },
      });
      expectStatus(res, 200, 'PATCH with sysparm_suppress_auto_sys_field=true');
      const after = resultOf<Row>(res);
      expectThat(after.description === 'changed without touching sys fields', 'the change itself should be written');
      expectThat(after.sys_mod_count === incident.sys_mod_count, `sys_mod_count should stay ${String(incident.sys_mod_count)}, got ${String(after.sys_mod_count)}`);
      expectThat(after.sys_updated_by === incident.sys_updated_by, 'sys_updated_by should not change');
      const normal = await client.request('PATCH', `/api/now/table/incident/${String(incident.sys_id)}`, { body: { description: 'changed normally' } });
      expectThat(resultOf<Row>(normal).sys_mod_count === String(Number(incident.sys_mod_count) + 1), 'without the flag sys_mod_count should go up by one');
    },
  },
  {
    name: 'Table API: X-Total-Count and a Link header on lists',
    source: SOURCES.tableApi,
    async run({ client }) {
      const res = await client.request('GET', '/api/now/table/incident', { query: { sysparm_limit: 1, sysparm_fields: 'sys_id' } });
      expectStatus(res, 200, 'GET list');
      expectThat(/^\d+$/.test(res.headers.get('x-total-count') ?? ''), 'X-Total-Count should be a number');
      expectThat((res.headers.get('link') ?? '').includes('rel="first"'), 'Link should name the first page');
    },
  },
  {
    name: 'Table API: unknown record answers 404 No Record found',
    source: SOURCES.tableApi,
    async run({ client }) {
      const res = await client.request('GET', `/api/now/table/incident/${'0'.repeat(32)}`);
      expectStatus(res, 404, 'GET an unknown sys_id');
      expectThat((res.json as { error?: { message?: string } }).error?.message === 'No Record found', 'error.message should be "No Record found"');
    },
  },
];
