import { loadAppBuild } from '../../../src/instance/app/build-cache';
import { installBuild } from '../../../src/instance/app/installer';
import { uninstallApp } from '../../../src/instance/app/uninstall';
import type { AppBuild, BuildRecord } from '../../../src/instance/app/app-build';
import { DIST_APP } from '../../helpers/build';
import { openRuntimeEngine, type RuntimeEngine } from '../../helpers/runtime-engine';

/** Installing the app's real build (dist/app) into an engine, upgrading it, deleting it. */

const SCOPE_ID = 'f70064a6e1a0416180ffb90a413981bf';

/** A copy of the build with other records (AppBuild.recordsOf reads its own list). */
function withRecords(build: AppBuild, records: BuildRecord[]): AppBuild {
  return { ...build, records, recordsOf: (table) => records.filter((r) => r.table === table) };
}

function edited(record: BuildRecord, fields: Record<string, string>): BuildRecord {
  return { ...record, fields: { ...record.fields, ...fields } };
}

function property(rt: RuntimeEngine, name: string): Record<string, string> {
  return rt.engine.query('sys_properties', { query: `name=${name}` }).records[0]?.values as Record<string, string>;
}

describe('installing the app build', () => {
  let rt: RuntimeEngine;
  const build = loadAppBuild(DIST_APP);

  beforeEach(async () => {
    rt = await openRuntimeEngine();
  });
  afterEach(() => rt.close());

  it('installs every record of the build and grants the service account its role', () => {
    const summary = installBuild(rt.engine, build);
    expect(summary).toMatchObject({ scope: 'x_incident_io', scopeId: SCOPE_ID, version: '1.1.0', previousVersion: null, removed: 0, skippedTables: ['sys_choice_set', 'sys_element_mapping'] });
    const missing = build.records
      .filter((r) => r.action !== 'delete_multiple' && rt.engine.hasTable(r.table))
      .filter((r) => !rt.engine.get(r.table, r.sysId))
      .map((r) => `${r.table} ${r.sysId}`);
    expect(missing).toEqual([]);
    expect(rt.engine.get('sys_app', SCOPE_ID)?.values).toMatchObject({ scope: 'x_incident_io', version: '1.1.0', sys_class_name: 'sys_app' });
    expect(rt.engine.hasTable('x_incident_io_outbound_event')).toBe(true);
    expect(rt.engine.tableMeta('x_incident_io_outbound_event').columns.get('state')).toMatchObject({ type: 'choice', defaultValue: 'queued', mandatory: true });
    expect(rt.engine.sessionForUser('svc_incident_io')?.roles.has('x_incident_io.api_user')).toBe(true);
    expect(rt.engine.sessionForUser('itil.user')?.roles.has('x_incident_io.api_user')).toBe(false);
    // The REST endpoint ACL's role reference resolves to the app's role; its operations name the ACL.
    const acl = rt.engine.query('sys_security_acl_role', { query: 'sys_security_acl.name=x_incident_io.sync' }).records.map((r) => rt.engine.displayValue(r, 'sys_user_role'));
    expect(acl).toEqual(['x_incident_io.api_user']);
    expect(rt.engine.query('sys_upgrade_history', { query: 'to_version=x_incident_io' }).records).toHaveLength(1);
  });

  it('resolves a reference to a global record by the name the build gives with it', () => {
    const aclRole = build.recordsOf('sys_security_acl_role')[0];
    const toAdmin: BuildRecord = {
      ...aclRole,
      sysId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      fields: { ...aclRole.fields, sys_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', sys_user_role: '2831a114c611228501d4ea6c309d626d' },
      fieldAttributes: { sys_user_role: { name: 'admin' } },
    };
    installBuild(rt.engine, withRecords(build, [...build.records, toAdmin]));
    const adminRole = rt.engine.query('sys_user_role', { query: 'name=admin' }).records[0].sysId;
    expect(rt.engine.get('sys_security_acl_role', toAdmin.sysId)?.values.sys_user_role).toBe(adminRole);
  });

  it('reinstalls in place: same sys_ids, no duplicates, nothing rewritten', () => {
    installBuild(rt.engine, build);
    const scripts = rt.engine.query('sys_script', { query: `sys_scope=${SCOPE_ID}^ORDERBYsys_id` }).records.map((r) => [r.sysId, r.values.sys_mod_count]);
    const again = installBuild(rt.engine, build);
    expect(again).toMatchObject({ inserted: 0, updated: 0, removed: 0, previousVersion: '1.1.0' });
    expect(rt.engine.query('sys_script', { query: `sys_scope=${SCOPE_ID}^ORDERBYsys_id` }).records.map((r) => [r.sysId, r.values.sys_mod_count])).toEqual(scripts);
    expect(rt.engine.count('sys_app', `scope=x_incident_io`)).toBe(1);
    expect(rt.engine.count('sys_dictionary', 'name=x_incident_io_outbound_event^element=state')).toBe(1);
    expect(rt.engine.count('sys_choice', 'name=x_incident_io_outbound_event^element=state')).toBe(5);
  });

  it('upgrades: changed records in place, absent ones removed, property values changed on the instance kept', () => {
    installBuild(rt.engine, build);
    // What Connect does after the install.
    rt.run(`gs.setProperty('x_incident_io.webhook_url', 'https://hooks.example.com/acme'); gs.setProperty('x_incident_io.signing_secret', 'c2VjcmV0');`, { as: 'svc_incident_io' });

    const rules = build.recordsOf('sys_script');
    const dropped = rules.find((r) => r.fields.name === 'Queue incident deletion for incident.io')!;
    const changed = rules.find((r) => r.fields.name === 'Queue incident change for incident.io')!;
    const upgraded = withRecords(
      { ...build, app: edited(build.app, { version: '1.2.0' }) },
      build.records
        .filter((r) => r !== dropped)
        .map((r) => (r === changed ? edited(r, { order: '900' }) : r))
        .map((r) =>
          r.table === 'sys_properties' && (r.fields.name === 'x_incident_io.max_attempts' || r.fields.name === 'x_incident_io.webhook_url') ? edited(r, { value: r.fields.name.endsWith('max_attempts') ? '20' : 'https://default.example.com' }) : r,
        ),
    );
    const summary = installBuild(rt.engine, upgraded);
    expect(summary).toMatchObject({ previousVersion: '1.1.0', version: '1.2.0', inserted: 0, removed: 1 });
    expect(summary.updated).toBeGreaterThanOrEqual(3);
    expect(rt.engine.get('sys_script', dropped.sysId)).toBeNull();
    expect(rt.engine.get('sys_script', changed.sysId)?.values.order).toBe('900');
    expect(rt.engine.get('sys_app', SCOPE_ID)?.values.version).toBe('1.2.0');
    // Not changed on the instance: follows the build. Changed by Connect: kept.
    expect(property(rt, 'x_incident_io.max_attempts').value).toBe('20');
    expect(property(rt, 'x_incident_io.webhook_url').value).toBe('https://hooks.example.com/acme');
    expect(rt.engine.getProperty('x_incident_io.signing_secret')).toBe('c2VjcmV0');
    expect(property(rt, 'x_incident_io.signing_secret').type).toBe('password2');
    // The platform's own dictionary rows of the app table's system columns stay.
    expect(rt.engine.count('sys_dictionary', 'name=x_incident_io_outbound_event^element=sys_created_on')).toBe(1);
  });

  it('deletes the app: its records, its table and the scope', () => {
    installBuild(rt.engine, build);
    rt.engine.insert('x_incident_io_outbound_event', { event_id: 'e1', event_type: 'incident.created', incident_sys_id: 'x', sequence: '0', order_key: 'k', payload: '{}' });
    expect(uninstallApp(rt.engine, SCOPE_ID)).toBeGreaterThan(90);
    expect(rt.engine.get('sys_scope', SCOPE_ID)).toBeNull();
    expect(rt.engine.hasTable('x_incident_io_outbound_event')).toBe(false);
    expect(rt.engine.count('sys_script', `sys_scope=${SCOPE_ID}`)).toBe(0);
    expect(rt.engine.sessionForUser('svc_incident_io')?.roles.has('x_incident_io.api_user')).toBe(false);
    // Installing again starts from an empty outbox.
    installBuild(rt.engine, build);
    expect(rt.engine.count('x_incident_io_outbound_event')).toBe(0);
  });
});
