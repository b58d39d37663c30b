import fc from 'fast-check';
import {
  NotServiceNowError,
  ServiceNowAuthenticationError,
  ServiceNowForbiddenError,
  ServiceNowNetworkError,
  ServiceNowNotFoundError,
  ServiceNowRateLimitError,
  ServiceNowRequestAbortedError,
  ServiceNowServerError,
  ServiceNowTimeoutError,
  type TableClient,
  type TableRecord,
} from '../../../../src/companion/client';
import { Secret, type Connection } from '../../../../src/companion/store';
import type { IncidentLink, OutboundOp, StoredIncident } from '../../../../src/companion/store/sync-store';
import { DEFAULT_MAPPING } from '../../../../src/companion/sync/mapping';
import { planFailure } from '../../../../src/companion/sync/outbound-processor';
import { ServiceNowLookups } from '../../../../src/companion/sync/servicenow-lookups';
import { diffSnapshots, glideToIso, isoToGlide, orderKeyOf, versionFromPush, versionFromRow } from '../../../../src/companion/sync/servicenow-record';
import { performWrite } from '../../../../src/companion/sync/servicenow-writer';

/** What each queued write sends to the Table API (a recording fake of TableClient), and how failures are handled. */

interface Call {
  method: string;
  table: string;
  sysId?: string;
  values?: Record<string, unknown>;
  query?: string;
  idempotent?: boolean;
}

function fakeTable(answers: { users?: Record<string, string>; existing?: TableRecord; journal?: boolean } = {}): { table: TableClient; calls: Call[] } {
  const calls: Call[] = [];
  const row = (values: Record<string, unknown>, modCount: number): TableRecord => ({
    sys_id: 'e'.repeat(32),
    number: 'INC0010042',
    sys_mod_count: String(modCount),
    sys_updated_on: '2026-01-01 10:00:00',
    sys_updated_by: 'svc',
    active: 'true',
    ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])),
  });
  const table = {
    async listPage(tableName: string, options: { query?: { build(): { text: string } } }) {
      const query = options.query?.build().text ?? '';
      calls.push({ method: 'GET', table: tableName, query });
      if (tableName === 'sys_user') {
        const email = /email=([^^]+)/.exec(query)?.[1] ?? '';
        const sysId = answers.users?.[email];
        return { records: sysId ? [{ sys_id: sysId }] : [], nextOffset: 1 };
      }
      if (tableName === 'incident') return { records: answers.existing ? [answers.existing] : [], nextOffset: 1 };
      if (tableName === 'sys_journal_field') return { records: answers.journal ? [{ sys_id: 'j'.repeat(32) }] : [], nextOffset: 1 };
      return { records: [], nextOffset: 1 };
    },
    async create(tableName: string, values: Record<string, unknown>) {
      calls.push({ method: 'POST', table: tableName, values });
      return row(values, 0);
    },
    async update(tableName: string, sysId: string, values: Record<string, unknown>, options: { idempotent?: boolean }) {
      calls.push({ method: 'PATCH', table: tableName, sysId, values, ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}) });
      return row(values, 3);
    },
  } as unknown as TableClient;
  return { table, calls };
}

const connection = { id: 'conn', name: 'acme', integrationUser: 'svc', instanceUrl: 'https://acme.service-now.com', clientSecret: new Secret('x'), password: new Secret('y') } as Connection;
const incident = { id: 'inc-uuid', reference: 'INC-7', name: 'DB down', summary: 'sum', status: 'fixing', severity: 'major', lead: null } as StoredIncident;
const link = {
  sysId: 'e'.repeat(32),
  snapshot: { short_description: 'DB down', description: 'sum', state: '2', priority: '2', impact: '1', urgency: '2', assigned_to: '', close_code: '', close_notes: '' },
} as unknown as IncidentLink;

function op(kind: OutboundOp['kind'], fields: Record<string, string | null>, extra: Partial<OutboundOp> = {}): OutboundOp {
  return {
    kind,
    attempts: 1,
    ambiguous: false,
    payload: { fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { value: v, changedAt: '2026-01-01T10:00:00.000Z' }])) },
    ...extra,
  } as OutboundOp;
}

function ctx(table: TableClient, overrides: { link?: IncidentLink } = {}) {
  return { connection, table, incident, link: overrides.link ?? link, mapping: DEFAULT_MAPPING, lookups: new ServiceNowLookups(undefined) };
}

describe('writes', () => {
  it('an update PATCHes only fields whose ServiceNow value differs, idempotently', async () => {
    const { table, calls } = fakeTable({ users: { 'bob@example.com': 'b'.repeat(32) } });
    const outcome = await performWrite(ctx(table), op('update', { name: 'DB down', summary: 'new summary', severity: 'critical', status: 'monitoring', lead: 'bob@example.com' }));
    expect(calls.filter((c) => c.method === 'PATCH')).toEqual([
      { method: 'PATCH', table: 'incident', sysId: link.sysId, values: { description: 'new summary', impact: '1', urgency: '1', assigned_to: 'b'.repeat(32) }, idempotent: true },
    ]);
    expect(outcome).toMatchObject({ kind: 'updated', written: expect.arrayContaining(['description', 'impact', 'urgency', 'priority', 'assigned_to']) });
  });

  it('resolving adds the resolution fields only where the record has none', async () => {
    const first = fakeTable();
    await performWrite(ctx(first.table), op('update', { status: 'resolved' }));
    expect(first.calls[0]!.values).toEqual({ state: '6', close_code: 'Solution provided', close_notes: 'Resolved in incident.io (INC-7).' });
    const second = fakeTable();
    const noted = { ...link, snapshot: { ...link.snapshot, close_code: 'Known error', close_notes: 'by the DBA' } } as IncidentLink;
    await performWrite(ctx(second.table, { link: noted }), op('update', { status: 'closed' }));
    expect(second.calls[0]!.values).toEqual({ state: '7' });
  });

  it('nothing to change: no call at all; an unknown lead unassigns and says so', async () => {
    const none = fakeTable();
    expect(await performWrite(ctx(none.table), op('update', { name: 'DB down', status: 'investigating' }))).toMatchObject({ kind: 'updated', version: null });
    expect(none.calls).toEqual([]);
    const unknown = fakeTable();
    const outcome = await performWrite(ctx(unknown.table, { link: { ...link, snapshot: { ...link.snapshot, assigned_to: 'a'.repeat(32) } } as IncidentLink }), op('update', { lead: 'ghost@example.com' }));
    expect(unknown.calls.find((c) => c.method === 'PATCH')!.values).toEqual({ assigned_to: '' });
    expect(outcome.kind === 'updated' && outcome.notices[0]).toContain('ghost@example.com has no active ServiceNow user');
  });

  it('a create sends the mapped fields with correlation_id; after an ambiguous attempt it adopts the record it finds instead', async () => {
    const fresh = fakeTable();
    await performWrite(ctx(fresh.table), op('create', { name: 'DB down', summary: 'sum', status: 'resolved', severity: 'minor', lead: null }));
    expect(fresh.calls).toEqual([
      {
        method: 'POST',
        table: 'incident',
        values: { short_description: 'DB down', description: 'sum', impact: '2', urgency: '2', state: '6', correlation_id: 'inc-uuid', correlation_display: 'incident.io', close_code: 'Solution provided', close_notes: 'Resolved in incident.io (INC-7).' },
      },
    ]);
    const retried = fakeTable({ existing: { sys_id: 'f'.repeat(32), number: 'INC0010050', sys_mod_count: '0', short_description: 'DB down' } });
    const outcome = await performWrite(ctx(retried.table), op('create', { name: 'DB down' }, { attempts: 2 }));
    expect(outcome).toMatchObject({ kind: 'created', adopted: true, version: { sysId: 'f'.repeat(32), number: 'INC0010050' } });
    expect(retried.calls.map((c) => [c.method, c.query])).toEqual([['GET', 'correlation_id=inc-uuid']]);
  });

  it('a work note is not idempotent: after an ambiguous attempt the journal is checked first', async () => {
    const first = fakeTable();
    await performWrite(ctx(first.table), { ...op('note', {}), payload: { note: { updateId: 'u', body: 'Rolled back' } } });
    expect(first.calls).toEqual([{ method: 'PATCH', table: 'incident', sysId: link.sysId, values: { work_notes: 'Rolled back' }, idempotent: false }]);
    const again = fakeTable({ journal: true });
    const outcome = await performWrite(ctx(again.table), { ...op('note', {}, { ambiguous: true }), payload: { note: { updateId: 'u', body: 'Rolled back' } } });
    expect(outcome).toMatchObject({ kind: 'noted', alreadyThere: true });
    expect(again.calls.map((c) => c.method)).toEqual(['GET']);
    expect(again.calls[0]!.query).toBe(`element_id=${link.sysId}^element=work_notes^sys_created_by=svc^value=Rolled back`);
  });
});

describe('failed writes', () => {
  const target = { instance: 'https://acme.service-now.com', method: 'PATCH', path: '/api/now/table/incident/x' };
  it.each([
    ['429 waits for Retry-After and pauses the connection', new ServiceNowRateLimitError({ ...target, status: 429, retryAfterSeconds: 30, rateLimit: {} }), { retry: true, ambiguous: false, unanswered: false, retryAfterSeconds: 30, pauseConnection: true }],
    ['5xx may have been committed', new ServiceNowServerError({ ...target, status: 503 }), { retry: true, ambiguous: true, unanswered: false }],
    ['a proxy page is a 5xx too', new NotServiceNowError({ ...target, status: 502, bodyKind: 'html' }), { retry: true, ambiguous: true }],
    ['401: credentials may be fixed by connecting again', new ServiceNowAuthenticationError({ ...target, status: 401 }), { retry: true, ambiguous: false }],
    ['403 is final', new ServiceNowForbiddenError({ ...target, status: 403 }), { retry: false, status: 403 }],
    ['404 is final', new ServiceNowNotFoundError({ ...target, status: 404 }), { retry: false, status: 404 }],
    ['no answer in time: the instance may still be working on it', new ServiceNowTimeoutError(target, 'response', 1000), { retry: true, ambiguous: true, unanswered: true }],
    ['no connection at all: nothing was sent', new ServiceNowNetworkError(target, 'connection_refused', {}), { retry: true, ambiguous: false, unanswered: false }],
    ['a reset connection: the request may be on its way', new ServiceNowNetworkError(target, 'connection_reset', {}), { retry: true, ambiguous: true, unanswered: true }],
    ['cancelled on its way: it may have reached the instance', new ServiceNowRequestAbortedError(target, 'stopping'), { retry: true, ambiguous: true, unanswered: true }],
    ['cancelled while it waited for the rate limit: nothing was sent', new ServiceNowRequestAbortedError(target, 'stopping', { mayHaveBeenProcessed: false }), { retry: true, ambiguous: false, unanswered: false }],
    ['anything else: assume the worst', new Error('database is locked'), { retry: true, ambiguous: true, unanswered: true }],
  ])('%s', (_what, err, expected) => {
    expect(planFailure(err)).toMatchObject(expected);
  });
});

describe('ServiceNow records', () => {
  it('times convert both ways between ServiceNow and ISO 8601', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
        const glide = isoToGlide(d);
        expect(glide).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        expect(glideToIso(glide)).toBe(d.toISOString().slice(0, 19) + 'Z');
      }),
    );
  });

  it('a Table API row and a push give the same snapshot', () => {
    const fromRow = versionFromRow({ sys_id: 'a'.repeat(32), number: 'INC1', short_description: 's', description: 'd', state: '2', priority: '1', impact: '1', urgency: '1', assigned_to: 'u'.repeat(32), 'assigned_to.email': 'x@example.com', assignment_group: '', close_code: '', close_notes: '', active: 'true', sys_mod_count: '4', sys_updated_on: '2026-01-01 10:00:00', sys_updated_by: 'itil', correlation_id: '' });
    const fromPush = versionFromPush({
      incident: { sys_id: 'a'.repeat(32), number: 'INC1', short_description: 's', description: 'd', state: '2', priority: '1', impact: '1', urgency: '1', active: true, assigned_to: { sys_id: 'u'.repeat(32), name: 'X', user_name: 'x', email: 'x@example.com' }, assignment_group: null, close_code: '', close_notes: '', sys_mod_count: 4, sys_updated_on: '2026-01-01T10:00:00Z', sys_updated_by: 'itil' },
    } as never);
    expect(fromRow.snapshot).toEqual(fromPush.snapshot);
    expect(fromRow).toMatchObject({ modCount: 4, updatedAt: '2026-01-01T10:00:00Z', correlationId: '', active: true });
    expect(fromPush.correlationId).toBeNull();
    expect(diffSnapshots(fromRow.snapshot, { ...fromRow.snapshot, state: '6', 'assigned_to.email': 'y@example.com' })).toEqual(['state']);
  });

  it('events of one incident order by sequence, then kind, then arrival', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e9 }), fc.constantFrom('incident.created', 'incident.updated', 'incident.journal', 'incident.deleted' as const), fc.date({ noInvalidDate: true, min: new Date(0) }), (a, b, type, at) => {
        if (a !== b) expect(orderKeyOf(type, a, at) < orderKeyOf(type, b, at)).toBe(a < b);
      }),
    );
    const at = new Date();
    expect(orderKeyOf('incident.updated', 3, at) < orderKeyOf('incident.journal', 3, at)).toBe(true);
    expect(orderKeyOf('incident.journal', 3, at) < orderKeyOf('incident.deleted', 3, at)).toBe(true);
  });
});
