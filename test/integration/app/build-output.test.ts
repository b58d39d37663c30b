import AdmZip from 'adm-zip';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readAppBuildDir, type AppBuild, type BuildRecord } from '../../../src/instance/app/app-build';
import { STEP_CONFIGS } from '../../../src/instance/atf/step-configs';
import { CORRELATION_DISPLAY, EVENT_TYPES, SYNCED_FIELDS } from '../../../src/server/contract/push-event';
import { API_USER_ROLE } from '../../../src/server/contract/roles';
import { DIST_APP, ROOT } from '../../helpers/build';

// Reads the real `now-sdk build --frozenKeys` output (built once by jest's globalSetup) and checks
// that every record the setup guide depends on is there, with the right fields.

let build: AppBuild;
beforeAll(() => {
  build = readAppBuildDir(DIST_APP);
});

function one(table: string, match: (r: BuildRecord) => boolean): BuildRecord {
  const found = build.recordsOf(table).filter(match);
  if (found.length !== 1) throw new Error(`expected one ${table} record, found ${found.length}`);
  return found[0]!;
}

function role(name: string): BuildRecord {
  return one('sys_user_role', (r) => r.fields.name === name);
}

function rolesOfAcl(acl: BuildRecord): string[] {
  return build
    .recordsOf('sys_security_acl_role')
    .filter((r) => r.fields.sys_security_acl === acl.sysId)
    .map((r) => build.recordsOf('sys_user_role').find((x) => x.sysId === r.fields.sys_user_role)?.fields.name ?? '?')
    .sort();
}

const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'now.config.json'), 'utf8'));

describe('the x_incident_io app build', () => {
  it('is the x_incident_io scope with the fixed scope id', () => {
    expect(build.app.sysId).toBe(config.scopeId);
    expect(build.app.fields).toMatchObject({ scope: 'x_incident_io', name: 'incident.io', version: '1.1.0' });
  });

  it('declares api_user and admin, with admin containing api_user', () => {
    const apiUser = role('x_incident_io.api_user');
    const admin = role('x_incident_io.admin');
    const contains = build.recordsOf('sys_user_role_contains');
    expect(contains).toHaveLength(1);
    expect(contains[0]!.fields).toMatchObject({ role: admin.sysId, contains: apiUser.sysId });
  });

  it.each(['create', 'read', 'write'])('has an allow record ACL on task for %s, admin overrides, role api_user', (operation) => {
    const acl = one('sys_security_acl', (r) => r.fields.name === 'task' && r.fields.operation === operation);
    expect(acl.fields).toMatchObject({ type: 'record', decision_type: 'allow', admin_overrides: 'true', active: 'true' });
    expect(rolesOfAcl(acl)).toEqual(['x_incident_io.api_user']);
  });

  it('grants no delete on task', () => {
    expect(build.recordsOf('sys_security_acl').filter((r) => r.fields.name === 'task' && r.fields.operation === 'delete')).toHaveLength(0);
  });

  it('secures the outbox table: admins manage it, the service account may read it', () => {
    const aclFor = (op: string) => one('sys_security_acl', (r) => r.fields.name === 'x_incident_io_outbound_event' && r.fields.operation === op);
    expect(rolesOfAcl(aclFor('read'))).toEqual(['x_incident_io.admin', 'x_incident_io.api_user']);
    for (const op of ['create', 'write', 'delete']) expect(rolesOfAcl(aclFor(op))).toEqual(['x_incident_io.admin']);
  });

  it('declares the properties, the signing secret as a private password2 only the app admin may read or write', () => {
    const properties = Object.fromEntries(build.recordsOf('sys_properties').map((r) => [r.fields.name, r.fields]));
    expect(Object.keys(properties).sort()).toEqual(
      [
        'x_incident_io.config_version',
        'x_incident_io.enabled',
        'x_incident_io.follow_up_table',
        'x_incident_io.integration_user',
        'x_incident_io.max_attempts',
        'x_incident_io.request_timeout_seconds',
        'x_incident_io.retention_days',
        'x_incident_io.retry_base_seconds',
        'x_incident_io.signing_secret',
        'x_incident_io.webhook_url',
      ].sort(),
    );
    expect(properties['x_incident_io.signing_secret']).toMatchObject({
      type: 'password2',
      value: '',
      is_private: 'true',
      read_roles: 'x_incident_io.admin',
      write_roles: 'x_incident_io.admin',
    });
    expect(properties['x_incident_io.enabled']).toMatchObject({ type: 'boolean', value: 'false' });
    expect(properties['x_incident_io.max_attempts']).toMatchObject({ type: 'integer', value: '12' });
    expect(properties['x_incident_io.retry_base_seconds']).toMatchObject({ type: 'integer', value: '30' });
    expect(properties['x_incident_io.retention_days']).toMatchObject({ type: 'integer', value: '7' });
  });

  it('declares the outbox table with its columns', () => {
    const table = build.tables.find((t) => t.name === 'x_incident_io_outbound_event');
    expect(table).toBeDefined();
    const columns = Object.fromEntries(table!.columns.map((c) => [c.name, c]));
    const types = Object.fromEntries(table!.columns.map((c) => [c.name, c.type]));
    expect(types).toEqual({
      event_id: 'string',
      event_type: 'choice',
      incident: 'reference',
      incident_sys_id: 'string',
      incident_number: 'string',
      sequence: 'integer',
      order_key: 'string',
      state: 'choice',
      attempts: 'integer',
      next_attempt_at: 'glide_date_time',
      last_attempt_at: 'glide_date_time',
      last_http_status: 'integer',
      last_error: 'string',
      delivered_at: 'glide_date_time',
      payload: 'string',
    });
    expect(columns.incident!.reference).toBe('incident');
    expect(columns.state!.choices.map((c) => c.value)).toEqual(['queued', 'sending', 'delivered', 'failed', 'dead']);
    expect(columns.state!.defaultValue).toBe('queued');
    expect(columns.payload!.maxLength).toBe(65000);
    expect(table!.indexes.find((i) => i.unique)?.columns).toEqual(['event_id']);
    const dbObject = one('sys_db_object', (r) => r.fields.name === 'x_incident_io_outbound_event');
    expect(dbObject.fields.ws_access).toBe('true');
  });

  it('declares the delivery lock: a name with a unique index, no web service access, app admins may read and delete it', () => {
    const table = build.tables.find((t) => t.name === 'x_incident_io_delivery_lock');
    expect(table).toBeDefined();
    expect(Object.fromEntries(table!.columns.map((c) => [c.name, c.type]))).toEqual({ name: 'string', held_since: 'glide_date_time' });
    expect(table!.indexes.filter((i) => i.unique).map((i) => i.columns)).toEqual([['name']]);
    expect(one('sys_db_object', (r) => r.fields.name === 'x_incident_io_delivery_lock').fields.ws_access).toBe('false');
    const acls = build.recordsOf('sys_security_acl').filter((r) => r.fields.name === 'x_incident_io_delivery_lock');
    expect(acls.map((r) => r.fields.operation).sort()).toEqual(['delete', 'read']);
    for (const acl of acls) expect(rolesOfAcl(acl)).toEqual(['x_incident_io.admin']);
  });

  it('declares the business rules: table, when, actions, filter', () => {
    const rules = Object.fromEntries(build.recordsOf('sys_script').map((r) => [r.fields.name, r.fields]));
    // Every queuing rule filters in its record before its script runs (a certification finding).
    const enabled = "gs.getProperty('x_incident_io.enabled') == 'true' || gs.getProperty('x_incident_io.enabled') == '1'";
    for (const name of ['Queue incident change for incident.io', 'Queue incident deletion for incident.io', 'Queue incident journal entry for incident.io', 'Queue incident attachment for incident.io']) {
      expect({ name, condition: rules[name]!.condition }).toEqual({ name, condition: enabled });
    }
    expect(rules['Queue incident change for incident.io']!.filter_condition).toBe(SYNCED_FIELDS.map((f) => `${f}VALCHANGES`).join('^OR'));
    expect(rules['Queue incident change for incident.io']).toMatchObject({
      collection: 'incident',
      when: 'after',
      action_insert: 'true',
      action_update: 'true',
      action_delete: 'false',
      active: 'true',
    });
    expect(rules['Queue incident deletion for incident.io']).toMatchObject({ collection: 'incident', when: 'after', action_delete: 'true', action_insert: 'false' });
    // Follow-ups in another table (problem, …): rules on task, kept to the configured table and to incident.io's records.
    const followUpTable = "current.getValue('sys_class_name') != 'incident' && current.getValue('sys_class_name') == gs.getProperty('x_incident_io.follow_up_table')";
    expect(rules['Queue follow-up change for incident.io']).toMatchObject({
      collection: 'task',
      when: 'after',
      action_insert: 'true',
      action_update: 'true',
      action_delete: 'false',
      condition: `(${enabled}) && ${followUpTable}`,
      filter_condition: `sys_class_name!=incident^correlation_display=${CORRELATION_DISPLAY}^short_descriptionVALCHANGES^ORdescriptionVALCHANGES^ORstateVALCHANGES`,
    });
    expect(rules['Queue follow-up deletion for incident.io']).toMatchObject({
      collection: 'task',
      when: 'after',
      action_delete: 'true',
      action_insert: 'false',
      condition: `(${enabled}) && ${followUpTable}`,
      filter_condition: `sys_class_name!=incident^correlation_display=${CORRELATION_DISPLAY}`,
    });
    expect(rules['Queue incident journal entry for incident.io']).toMatchObject({
      collection: 'sys_journal_field',
      when: 'after',
      action_insert: 'true',
      filter_condition: 'name=incident^elementINcomments,work_notes',
    });
    expect(rules['Queue incident attachment for incident.io']).toMatchObject({
      collection: 'sys_attachment',
      when: 'after',
      action_insert: 'true',
      action_update: 'false',
      filter_condition: 'table_name=incident',
    });
    const deliver = rules['Deliver queued event to incident.io']!;
    expect(deliver).toMatchObject({ collection: 'x_incident_io_outbound_event', action_insert: 'true', action_update: 'true', filter_condition: 'state=queued' });
    expect(deliver.when).toMatch(/^async/);
  });

  it('schedules the retry and purge job every minute', () => {
    const job = one('sysauto_script', (r) => r.fields.name === 'Retry and purge incident.io outbox');
    expect(job.fields).toMatchObject({ active: 'true', run_type: 'periodically', run_period: '1970-01-01 00:01:00' });
  });

  it('serves the sync API at /api/x_incident_io/v1/sync/* behind the api_user ACL', () => {
    const api = one('sys_ws_definition', (r) => r.fields.service_id === 'sync');
    const acl = one('sys_security_acl', (r) => r.fields.type === 'REST_Endpoint' && r.fields.name === 'x_incident_io.sync');
    expect(acl.fields).toMatchObject({ operation: 'execute', decision_type: 'allow', name: 'x_incident_io.sync' });
    expect(rolesOfAcl(acl)).toEqual(['x_incident_io.api_user']);
    expect(api.fields).toMatchObject({ namespace: 'x_incident_io', is_versioned: 'true', default_version: 'v1', enforce_acl: acl.sysId, active: 'true' });
    const version = one('sys_ws_version', (r) => r.fields.web_service_definition === api.sysId);
    expect(version.fields).toMatchObject({ version: '1', is_default: 'true' });
    const routes = build
      .recordsOf('sys_ws_operation')
      .filter((r) => r.fields.web_service_definition === api.sysId)
      .map((r) => `${r.fields.http_method} ${r.fields.operation_uri} auth=${r.fields.requires_authentication} acl=${r.fields.requires_acl_authorization} ${r.fields.enforce_acl === acl.sysId}`)
      .sort();
    expect(routes).toEqual([
      'GET /api/x_incident_io/v1/sync/health auth=true acl=true true',
      'POST /api/x_incident_io/v1/sync/resend auth=true acl=true true',
      'PUT /api/x_incident_io/v1/sync/config auth=true acl=true true',
    ]);
  });

  it('serves the admin API at /api/x_incident_io/v1/admin/* behind an ACL only app admins pass', () => {
    const api = one('sys_ws_definition', (r) => r.fields.service_id === 'admin');
    const acl = one('sys_security_acl', (r) => r.fields.type === 'REST_Endpoint' && r.fields.name === 'x_incident_io.admin_api');
    expect(acl.fields).toMatchObject({ operation: 'execute', decision_type: 'allow' });
    expect(rolesOfAcl(acl)).toEqual(['x_incident_io.admin']);
    const routes = build
      .recordsOf('sys_ws_operation')
      .filter((r) => r.fields.web_service_definition === api.sysId)
      .map((r) => `${r.fields.http_method} ${r.fields.operation_uri} auth=${r.fields.requires_authentication} acl=${r.fields.requires_acl_authorization} ${r.fields.enforce_acl === acl.sysId}`)
      .sort();
    expect(routes).toEqual(['GET /api/x_incident_io/v1/admin/status auth=true acl=true true', 'POST /api/x_incident_io/v1/admin/test_event auth=true acl=true true']);
  });

  it('has the Status module: a direct link to the Status UI page, whose script reads the admin API', () => {
    const menu = one('sys_app_application', (r) => r.fields.title === 'incident.io');
    const status = one('sys_app_module', (m) => m.fields.title === 'Status');
    expect(status.fields).toMatchObject({ application: menu.sysId, link_type: 'DIRECT', query: 'x_incident_io_status.do', roles: 'x_incident_io.admin', active: 'true' });
    const page = one('sys_ui_page', (p) => p.fields.endpoint === 'x_incident_io_status.do');
    expect(page.fields.html).toContain('Send test event');
    expect(page.fields.client_script).toContain('/api/x_incident_io/v1/admin/');
    expect(page.fields.client_script).toContain('X-UserToken');
    expect(page.fields.client_script).not.toMatch(/innerHTML/);
  });

  it('has the outbox UI actions: Resend (form button, list menu and choice; failed or dead only) and Send test event (list banner), app admins only', () => {
    const rolesOf = (action: BuildRecord) =>
      build
        .recordsOf('sys_ui_action_role')
        .filter((r) => r.fields.sys_ui_action === action.sysId)
        .map((r) => build.recordsOf('sys_user_role').find((x) => x.sysId === r.fields.sys_user_role)?.fields.name ?? '?');
    const resend = one('sys_ui_action', (a) => a.fields.name === 'Resend');
    expect(resend.fields).toMatchObject({
      table: 'x_incident_io_outbound_event',
      active: 'true',
      form_button: 'true',
      list_context_menu: 'true',
      list_choice: 'true',
      show_update: 'true',
      show_insert: 'false',
      condition: "current.state == 'failed' || current.state == 'dead'",
    });
    expect(resend.fields.script).toMatch(/require\('[^']+\/src\/server\/ui-actions\/resend-outbox-event\.ts'\)/);
    expect(rolesOf(resend)).toEqual(['x_incident_io.admin']);
    const ping = one('sys_ui_action', (a) => a.fields.name === 'Send test event');
    expect(ping.fields).toMatchObject({ table: 'x_incident_io_outbound_event', active: 'true', list_banner_button: 'true', form_button: 'false' });
    expect(ping.fields.script).toMatch(/require\('[^']+\/src\/server\/ui-actions\/send-test-event\.ts'\)/);
    expect(rolesOf(ping)).toEqual(['x_incident_io.admin']);
  });

  it('has an application menu with modules for the status, the outbox and the properties', () => {
    const menu = one('sys_app_application', (r) => r.fields.title === 'incident.io');
    const modules = build.recordsOf('sys_app_module').filter((m) => m.fields.application === menu.sysId);
    expect(modules.map((m) => `${m.fields.title}: ${m.fields.link_type} ${m.fields.name ?? m.fields.query}`).sort()).toEqual([
      'Outbound events: LIST x_incident_io_outbound_event',
      'Properties: FILTER sys_properties',
      'Status: DIRECT x_incident_io_status.do',
      'Undelivered events: FILTER x_incident_io_outbound_event',
    ]);
    for (const m of modules) expect(m.fields.roles).toBe('x_incident_io.admin');
  });

  it('compiles every script to a require of a module that is in the build, whose imports all resolve', () => {
    const modules = new Map(build.recordsOf('sys_module').map((m) => [m.fields.path, m.fields.content ?? '']));
    const scripts = [
      ...build.recordsOf('sys_script').map((r) => r.fields.script),
      ...build.recordsOf('sysauto_script').map((r) => r.fields.script),
      ...build.recordsOf('sys_ws_operation').map((r) => r.fields.operation_script),
      ...build.recordsOf('sys_ui_action').map((r) => r.fields.script),
    ];
    expect(scripts).toHaveLength(15);
    for (const script of scripts) {
      const m = /require\('([^']+)'\)/.exec(script ?? '');
      expect(m && modules.has(m[1]!)).toBe(true);
    }
    for (const [modulePath, content] of modules) {
      if (!modulePath?.endsWith('.ts')) continue;
      for (const [, spec] of content.matchAll(/from '([^']+)'/g)) {
        if (spec!.startsWith('@servicenow/glide')) continue;
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(modulePath), spec!));
        expect({ modulePath, spec, found: modules.has(resolved) }).toEqual({ modulePath, spec, found: true });
      }
      expect(content).not.toMatch(/from 'node:|require\('(fs|http|crypto)'\)/);
    }
  });

  it('ships the ATF suite: seven active tests of the scope that fail on server errors, each step of a type the local instance runs', () => {
    const tests = build.recordsOf('sys_atf_test').filter((r) => r.action !== 'DELETE');
    expect(tests.map((t) => t.fields.name).sort()).toEqual([
      'incident.io: GET /health answers a user with x_incident_io.api_user',
      'incident.io: GET /health refuses a user without x_incident_io.api_user',
      'incident.io: PUT /config refuses a plain-http webhook URL to a non-loopback host',
      'incident.io: a change to a field that is not synced queues nothing',
      'incident.io: a comment and a work note queue incident.journal events',
      'incident.io: an incident created by a user queues exactly one incident.created event',
      'incident.io: changes by the integration user queue nothing',
    ]);
    for (const t of tests) {
      expect(t.fields).toMatchObject({ active: 'true', fail_on_server_error: 'true', sys_scope: config.scopeId });
      expect((t.fields.description ?? '').length).toBeGreaterThan(80);
    }
    const steps = build.recordsOf('sys_atf_step').filter((r) => r.action !== 'DELETE');
    expect(new Set(steps.map((s) => s.fields.test))).toEqual(new Set(tests.map((t) => t.sysId)));
    for (const step of steps) {
      const known = STEP_CONFIGS[step.fields.step_config ?? ''];
      expect({ step: step.fields.display_name, known: known?.name }).toEqual({ step: step.fields.display_name, known: step.fields.display_name });
    }
  });

  it("names only the contract's event types and role in its ATF steps (the outbox queries spell theirs out: the SDK cannot interpolate them)", () => {
    const steps = build.recordsOf('sys_atf_step').filter((r) => r.action !== 'DELETE');
    const text = steps.flatMap((s) => Object.values(s.fields)).concat(build.recordsOf('sys_variable_value').map((v) => v.fields.value ?? ''));
    const eventTypes = text.flatMap((value) => [...value.matchAll(/event_type=([\w.]+)/g)].map((m) => m[1]!));
    expect(new Set(eventTypes)).toEqual(new Set(['incident.created', 'incident.updated', 'incident.journal']));
    for (const type of eventTypes) expect(EVENT_TYPES).toContain(type);
    const roleLookups = text.flatMap((value) => [...value.matchAll(/role\.get\('name', '([^']+)'\)/g)].map((m) => m[1]!));
    expect(roleLookups.length).toBeGreaterThan(0);
    for (const name of roleLookups) expect(name).toBe(API_USER_ROLE);
  });

  it("gives every ATF step input a variable of its step type, and refers only to earlier steps' outputs of the same test", () => {
    const steps = new Map(build.recordsOf('sys_atf_step').filter((r) => r.action !== 'DELETE').map((s) => [s.sysId, s]));
    const values = build.recordsOf('sys_variable_value').filter((r) => r.action !== 'delete_multiple' && r.action !== 'DELETE');
    expect(values.length).toBeGreaterThan(steps.size);
    for (const v of values) {
      const step = steps.get(v.fields.document_key ?? '');
      expect({ value: v.sysId, document: v.fields.document, hasStep: step !== undefined }).toEqual({ value: v.sysId, document: 'sys_atf_step', hasStep: true });
      const input = STEP_CONFIGS[step!.fields.step_config ?? '']!.inputs[v.fields.variable ?? ''];
      expect({ variable: v.fields.variable, input: typeof input }).toEqual({ variable: v.fields.variable, input: 'string' });
      for (const [, referenced] of (v.fields.value ?? '').matchAll(/\{\{step\['([0-9a-f]{32})'\]\.\w+\}\}/g)) {
        const earlier = steps.get(referenced!);
        expect({ sameTest: earlier?.fields.test === step!.fields.test, earlier: Number(earlier?.fields.order) < Number(step!.fields.order) }).toEqual({ sameTest: true, earlier: true });
      }
    }
  });

  it('calls only the app API from its ATF REST steps, always authenticated with a basic auth profile made by an earlier step', () => {
    const rest = build.recordsOf('sys_atf_step').filter((s) => s.fields.display_name === 'Send REST Request - Inbound');
    expect(rest).toHaveLength(3);
    for (const step of rest) {
      const inputs = Object.fromEntries(
        build
          .recordsOf('sys_variable_value')
          .filter((v) => v.fields.document_key === step.sysId)
          .map((v) => [STEP_CONFIGS[step.fields.step_config ?? '']!.inputs[v.fields.variable ?? ''], v.fields.value ?? '']),
      );
      expect(inputs.end_point).toMatch(/^\/api\/x_incident_io\/v1\/sync\/(health|config)$/);
      expect(inputs.auth_type).toBe('basic');
      expect(inputs.basic_auth).toMatch(/^\{\{step\['[0-9a-f]{32}'\]\.record_id\}\}$/);
    }
  });

  it('keeps fluent/generated/keys.ts in git, so sys_ids never change between builds', () => {
    const tracked = execFileSync('git', ['ls-files', 'fluent/generated/keys.ts'], { cwd: ROOT }).toString().trim();
    expect(tracked).toBe('fluent/generated/keys.ts');
  });

  it('packs the Store zip: every built XML file, byte for byte, plus the inventory', () => {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/@servicenow/sdk/bin/index.js'), 'pack'], { cwd: ROOT, stdio: 'pipe' });
    const zipPath = path.join(ROOT, 'target', `incident_io_servicenow_${build.app.fields.version!.replace(/\./g, '_')}.zip`);
    const zip = new AdmZip(zipPath);
    const entries = zip.getEntries().map((e) => e.entryName);
    expect(entries).toContain('/package_inventory.csv');
    const xmlEntries = entries.filter((e) => e.endsWith('.xml'));
    expect(xmlEntries.length).toBeGreaterThan(80);
    for (const entry of xmlEntries) {
      expect(entry.startsWith('/')).toBe(true);
      const onDisk = fs.readFileSync(path.join(DIST_APP, entry.slice(1)));
      expect(zip.getEntry(entry)!.getData().equals(onDisk)).toBe(true);
    }
  });
});
