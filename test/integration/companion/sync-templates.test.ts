import fs from 'node:fs';
import path from 'node:path';
import { startCompanion, type RunningCompanion } from '../../../src/companion/server';
import type { IncidentView } from '../../../src/companion/server/incident-view';
import { MappingError, parseMapping } from '../../../src/companion/sync/mapping';
import { validateTemplatesOnConnections } from '../../../src/companion/sync/template-dictionary';
import { silentLogger } from '../../../src/shared/logger';
import { USERS } from '../../helpers/instance';
import { API_KEY, startRealtimeFixture, SYNC_TEST_CLIENT, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';

/**
 * Ticket templates end to end (docs/sync.md, "Ticket templates"): the local instance with the
 * app's real build, a custom `u_team` field added through the dictionary, the companion with a
 * mapping of templates, and incidents declared and changed over the incident API.
 */

const INCIDENT_URL = 'https://app.incident.io/acme/incidents/{reference}';

const TEMPLATES = {
  incidentUrl: INCIDENT_URL,
  templates: [
    {
      name: 'Security',
      conditions: { type: ['Security'] },
      allowPrivate: true,
      fields: { category: 'network', u_team: '{custom_fields.team}', description: '{summary}\n\nincident.io: {url}' },
    },
    {
      name: 'Major',
      conditions: { severity: ['critical', 'major'] },
      fields: {
        impact: '{impact}',
        urgency: '{urgency}',
        state: '{state}',
        category: { map: '{custom_fields.area}', values: { db: 'database' }, default: 'software' },
        caller_id: { user: 'itil.user@example.com' },
        assignment_group: { group: 'Incident Management' },
      },
    },
    { name: 'Payments triage', conditions: { status: ['triage'], custom_fields: { team: ['payments'] } }, fields: { category: 'inquiry', u_team: 'payments' } },
    { name: 'Private', conditions: { private: true }, fields: { category: 'hardware' } },
    { name: 'Fallback', conditions: { custom_fields: { never: ['x'] } }, fields: { u_team: 'fallback' } },
  ],
};

let f: SyncFixture;
let itilSysId: string;
let groupSysId: string;
let svcSysId: string;

async function sysIdOf(table: string, query: string): Promise<string> {
  const res = await f.sn.list(table, { sysparm_query: query, sysparm_fields: 'sys_id' });
  const sysId = res.result[0]?.sys_id;
  if (typeof sysId !== 'string') throw new Error(`no ${table} record matches ${query}`);
  return sysId;
}

beforeAll(async () => {
  f = await startRealtimeFixture({ companion: { mapping: parseMapping(TEMPLATES) } });
  // A custom field, as an admin adds one (System Definition > Dictionary).
  const added = await f.sn.request('POST', '/api/now/table/sys_dictionary', {
    body: { name: 'incident', element: 'u_team', column_label: 'Team', internal_type: 'string', max_length: 80 },
  });
  if (added.status !== 201) throw new Error(`adding u_team: ${added.status} ${added.text}`);
  const itil = await f.sn.list('sys_user', { sysparm_query: `user_name=${USERS.itil.user}`, sysparm_fields: 'sys_id,email' });
  itilSysId = String(itil.result[0]!.sys_id);
  if (itil.result[0]!.email !== 'itil.user@example.com') throw new Error(`itil.user's email is ${String(itil.result[0]!.email)}: fix TEMPLATES`);
  groupSysId = await sysIdOf('sys_user_group', 'name=Incident Management');
  svcSysId = await sysIdOf('sys_user', `user_name=${f.connection.integrationUser}`);
});
afterAll(async () => {
  await f?.close();
});

const FIELDS = ['short_description', 'description', 'state', 'impact', 'urgency', 'priority', 'category', 'u_team', 'caller_id', 'assignment_group', 'opened_by', 'correlation_id'];

async function ticketOf(view: IncidentView): Promise<Record<string, string>> {
  const synced = await f.synced(view.id);
  return f.record(synced.servicenow!.sys_id, FIELDS);
}

/** The incident got no ticket: none is queued (the decision is made with the change, so nothing can come later) and none exists. */
async function expectNoTicket(view: IncidentView): Promise<void> {
  expect(view.ticket).toEqual({ exported: false, template: null });
  expect(view.servicenow).toBeNull();
  expect(await f.companion.store.sync.outbound.listForIncident(view.id)).toEqual([]);
  const found = await f.sn.list('incident', { sysparm_query: `correlation_id=${view.id}`, sysparm_fields: 'sys_id' });
  expect(found.result).toEqual([]);
}

describe('private, type and custom_fields on the incident API', () => {
  it('are kept (create, change, read) and validated with their path', async () => {
    const view = await f.declare({ name: 'Attributes', private: true, type: 'Outage', custom_fields: { regions: ['eu', 'us'] } });
    const changed = await f.api<IncidentView>('PATCH', `/api/incidents/${view.reference}`, { private: false, type: null, custom_fields: { team: 'search' } });
    expect(changed.status).toBe(200);
    expect(await f.incident(view.id)).toMatchObject({ private: false, type: null, custom_fields: { team: 'search' } });
    const bad = await f.api<{ error: { code: string; details: Array<{ path: string }> } }>('POST', '/api/incidents', { name: 'x', private: 'yes', custom_fields: { team: 5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details.map((d) => d.path).sort()).toEqual(['custom_fields.team', 'private']);
  });
});

describe('the template is chosen by its conditions', () => {
  it('by incident type (and a private incident the template allows gets its ticket, with a custom u_ field and a link back)', async () => {
    const view = await f.declare({ name: 'Leaked token', summary: 'A token was pushed to a public repo', type: 'Security', private: true, custom_fields: { team: 'appsec' } });
    expect(view).toMatchObject({ private: true, type: 'Security', custom_fields: { team: 'appsec' }, ticket: { exported: true, template: 'Security' } });
    const ticket = await ticketOf(view);
    expect(ticket).toMatchObject({
      short_description: 'Leaked token',
      description: `A token was pushed to a public repo\n\nincident.io: https://app.incident.io/acme/incidents/${view.reference}`,
      category: 'network',
      u_team: 'appsec',
      state: '1',
      impact: '2',
      urgency: '2',
      opened_by: svcSysId,
      correlation_id: view.id,
    });
  });

  it('by severity: impact and urgency from severity, state from status, a caller and an assignment group, a category mapped from a custom field', async () => {
    const view = await f.declare({ name: 'Database down', severity: 'critical', status: 'investigating', custom_fields: { area: 'db' } });
    expect(view.ticket).toEqual({ exported: true, template: 'Major' });
    expect(await ticketOf(view)).toMatchObject({
      impact: '1',
      urgency: '1',
      priority: '1',
      state: '2',
      category: 'database',
      caller_id: itilSysId,
      assignment_group: groupSysId,
      opened_by: svcSysId,
    });
  });

  it('by status and a custom field, with incident.io\'s defaults for what the template leaves out (state 1, impact 2, urgency 2)', async () => {
    const view = await f.declare({ name: 'Refunds slow', status: 'triage', custom_fields: { team: 'payments' } });
    expect(view.ticket).toEqual({ exported: true, template: 'Payments triage' });
    expect(await ticketOf(view)).toMatchObject({ category: 'inquiry', u_team: 'payments', state: '1', impact: '2', urgency: '2', short_description: 'Refunds slow' });
  });

  it('by privacy: a private incident whose template does not allow private incidents gets no ticket', async () => {
    const view = await f.declare({ name: 'HR matter', private: true });
    expect(view.private).toBe(true);
    await expectNoTicket(view);
    // Its timeline updates stay in incident.io too.
    expect((await f.api('POST', `/api/incidents/${view.id}/updates`, { message: 'Confidential' })).status).toBe(201);
    expect(await f.companion.store.sync.outbound.listForIncident(view.id)).toEqual([]);
  });
});

describe('incidents no template matches', () => {
  it('get no ticket (no fallback), then get one when they start matching (severity raised)', async () => {
    const view = await f.declare({ name: 'Slow search', severity: 'minor', status: 'investigating' });
    await expectNoTicket(view);
    const raised = await f.api<IncidentView>('PATCH', `/api/incidents/${view.id}`, { severity: 'major', summary: 'Search p99 is 4 s' });
    expect(raised.status).toBe(200);
    expect(raised.body.ticket).toEqual({ exported: true, template: 'Major' });
    expect(await ticketOf(raised.body)).toMatchObject({ short_description: 'Slow search', description: 'Search p99 is 4 s', impact: '1', urgency: '2', state: '2' });
  });

  it('a custom field or type change can make an incident match too', async () => {
    const view = await f.declare({ name: 'Odd login', severity: 'minor', status: 'fixing' });
    await expectNoTicket(view);
    const typed = await f.api<IncidentView>('PATCH', `/api/incidents/${view.id}`, { type: 'Security', custom_fields: { team: 'iam' } });
    expect(typed.body).toMatchObject({ type: 'Security', custom_fields: { team: 'iam' }, ticket: { exported: true, template: 'Security' } });
    expect(await ticketOf(typed.body)).toMatchObject({ u_team: 'iam', category: 'network' });
  });
});

describe('an incident that stops matching', () => {
  it('keeps its ticket and stays in sync both ways', async () => {
    const view = await f.declare({ name: 'Queue backlog', severity: 'major', status: 'investigating' });
    const first = await f.synced(view.id);
    expect((await f.record(first.servicenow!.sys_id, FIELDS)).impact).toBe('1');
    const lowered = await f.api<IncidentView>('PATCH', `/api/incidents/${view.id}`, { severity: 'minor', name: 'Queue backlog (draining)' });
    expect(lowered.body.ticket).toEqual({ exported: true, template: 'Major' });
    const synced = await f.synced(view.id);
    expect(synced.servicenow!.sys_id).toBe(first.servicenow!.sys_id);
    expect(await f.record(synced.servicenow!.sys_id, FIELDS)).toMatchObject({ short_description: 'Queue backlog (draining)', impact: '2', urgency: '2' });
    // ServiceNow → incident.io still flows (the app's push).
    await f.patchRecord(synced.servicenow!.sys_id, { short_description: 'Queue backlog: cleared' });
    await waitFor(async () => ((await f.incident(view.id)).name === 'Queue backlog: cleared' ? true : undefined), { message: 'the ServiceNow change to come back' });
    const records = await f.sn.list('incident', { sysparm_query: `correlation_id=${view.id}`, sysparm_fields: 'sys_id' });
    expect(records.result).toHaveLength(1);
  });
});

describe('templates checked against the instance at start', () => {
  /** The start's failure; a companion that started anyway is closed and fails the test. */
  const startFailure = async (mapping: unknown): Promise<Error> => {
    const started = await startCompanion({
      store: f.companion.store,
      port: 0,
      apiKey: API_KEY,
      logger: silentLogger(),
      mapping: typeof mapping === 'string' ? mapping : parseMapping(mapping),
      sync: { clientOptions: SYNC_TEST_CLIENT, defaultMetrics: false },
    }).catch((err: unknown) => err);
    if (!(started instanceof Error)) {
      await (started as RunningCompanion).close();
      throw new Error('the companion started with templates that do not fit the instance');
    }
    return started;
  };

  it('skips the check, saying what to do, while the service account may not read the dictionary', async () => {
    const warnings: string[] = [];
    const logger = Object.assign(silentLogger(), { warn: (_: unknown, message: string) => void warnings.push(message) });
    await expect(validateTemplatesOnConnections(parseMapping(TEMPLATES), f.companion.engine.registry, logger)).resolves.toEqual({ checked: [], skipped: ['local'] });
    expect(warnings).toEqual([expect.stringContaining('give the service account read access to sys_db_object and sys_dictionary')]);
  });

  describe('with read access to the dictionary', () => {
    beforeAll(async () => {
      // What an administrator grants the service account for the check (here the admin role: the local instance's dictionary ACLs).
      const admin = await sysIdOf('sys_user_role', 'name=admin');
      const granted = await f.sn.request('POST', '/api/now/table/sys_user_has_role', { body: { user: svcSysId, role: admin } });
      if (granted.status !== 201) throw new Error(`granting admin: ${granted.status} ${granted.text}`);
    });

    it('accepts the templates in use (u_team exists, every fixed choice is a choice)', async () => {
      await expect(validateTemplatesOnConnections(parseMapping(TEMPLATES), f.companion.engine.registry, silentLogger())).resolves.toEqual({ checked: ['local'], skipped: [] });
    });

    it('refuses an unknown field, with its template and path', async () => {
      const failure = await startFailure({ templates: [{ name: 'ok', fields: { u_team: 'x' } }, { name: 'Typo', fields: { u_teem: 'x' } }] });
      expect(failure).toBeInstanceOf(MappingError);
      expect(failure.message).toMatch(/templates\[1\]\.fields\.u_teem \(template "Typo"\): the incident table on "local" has no field "u_teem"\. Correct the name, or add the field/);
      expect(failure.message).not.toMatch(/u_team/);
    });

    it('refuses an unknown choice value, with its template, path and the choices', async () => {
      const failure = await startFailure({ templates: [{ name: 'Cat', fields: { category: 'softwear' } }] });
      expect(failure.message).toMatch(/templates\[0\]\.fields\.category \(template "Cat"\): "softwear" is not a choice of incident\.category on "local" \(its choices: [^)]*software[^)]*\)/);
    });
  });

  it('refuses a mapping file of the wrong shape, with the path', async () => {
    const file = path.join(path.dirname(f.data.db), 'bad-templates.json');
    fs.writeFileSync(file, JSON.stringify({ templates: [{ name: 'A', conditions: { severity: ['sev1'] } }] }));
    const failure = await startFailure(file);
    expect(failure).toBeInstanceOf(MappingError);
    expect(failure.message).toMatch(/templates\[0\]\.conditions\.severity\[0\]/);
  });
});

describe('the no-match fallback', () => {
  it('names the template used when none matches', async () => {
    // Another companion on the same database, with the fallback: the fixture's stops first (one per database).
    await f.companion.close();
    const withFallback = await startCompanion({
      storeFile: f.data.db,
      env: {},
      port: 0,
      apiKey: API_KEY,
      logger: silentLogger(),
      mapping: parseMapping({ ...TEMPLATES, noMatchTemplate: 'Fallback' }),
      sync: { clientOptions: SYNC_TEST_CLIENT, defaultMetrics: false, idleMs: 50, unansweredGraceMs: 500 },
    });
    try {
      const res = await fetch(`${withFallback.url}/api/incidents?wait=20`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Minor glitch', severity: 'minor', status: 'investigating' }),
      });
      const view = (await res.json()) as IncidentView;
      expect(res.status).toBe(201);
      expect(view.ticket).toEqual({ exported: true, template: 'Fallback' });
      expect(view.servicenow).not.toBeNull();
      expect(await f.record(view.servicenow!.sys_id, FIELDS)).toMatchObject({ u_team: 'fallback', short_description: 'Minor glitch', state: '1' });
    } finally {
      await withFallback.close();
    }
  });
});
