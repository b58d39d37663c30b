import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstanceEngine } from '../../../src/instance/records/engine';
import { seedEdits } from '../../../src/instance/seed/edits';
import { applySeed, isSeeded } from '../../../src/instance/seed/load';
import { loadDefaultSeed, mergeSeeds, resolveSeed, SeedError } from '../../../src/instance/seed/source';

describe('seed sources', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-test-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('the default seed has the accounts the setup guide names', () => {
    const seed = loadDefaultSeed();
    const users = Object.fromEntries(seed.users.map((u) => [u.user_name, u]));
    expect(users.admin).toMatchObject({ password: 'admin', roles: ['admin'] });
    expect(users.svc_incident_io.roles).toEqual(['x_incident_io.api_user', 'cmdb_read', 'sn_cmdb_user', 'incident_manager']);
    expect(users['itil.user']).toMatchObject({ password: 'itil-password', roles: ['itil'] });
    expect(seed.oauthClients).toEqual([expect.objectContaining({ client_id: 'incident-io-local', client_secret: 'local-client-secret' })]);
    expect(seed.records.filter((r) => r.table === 'incident')).toHaveLength(12);
    expect(seed.properties.find((p) => p.name === 'instance_name')?.value).toBe('local');
  });

  it('a file with "extends": "default" replaces entries by key and adds new ones', () => {
    const file = write('extends.json', {
      extends: 'default',
      users: [{ user_name: 'admin', password: 'changed', roles: ['admin'] }, { user_name: 'new.person', password: 'pw' }],
      properties: [{ name: 'instance_name', value: 'other' }],
    });
    const seed = resolveSeed(file);
    expect(seed.users.filter((u) => u.user_name === 'admin')).toEqual([{ user_name: 'admin', password: 'changed', roles: ['admin'] }]);
    expect(seed.users.some((u) => u.user_name === 'new.person')).toBe(true);
    expect(seed.users.some((u) => u.user_name === 'itil.user')).toBe(true);
    expect(seed.properties.find((p) => p.name === 'instance_name')?.value).toBe('other');
  });

  it('a file without "extends" replaces the default seed', () => {
    const seed = resolveSeed(write('alone.json', { users: [{ user_name: 'solo', password: 'x' }] }));
    expect(seed.users.map((u) => u.user_name)).toEqual(['solo']);
    expect(seed.acls).toEqual([]);
  });

  it('a function edits a fresh copy of the default seed; a list composes', () => {
    const seed = resolveSeed([(s) => seedEdits.lockUser(s, 'svc_incident_io'), { users: [{ user_name: 'extra' }] }]);
    expect(seed.users.find((u) => u.user_name === 'svc_incident_io')?.locked_out).toBe(true);
    expect(seed.users.some((u) => u.user_name === 'extra')).toBe(true);
    expect(loadDefaultSeed().users.find((u) => u.user_name === 'svc_incident_io')?.locked_out).toBeUndefined();
  });

  it('names the key at fault in an invalid seed', () => {
    expect(() => resolveSeed(write('bad.json', { users: [{ user_name: 'ok' }, { password: 'x' }] }))).toThrow(/users\[1\]\.user_name/);
    expect(() => resolveSeed(write('bad-json.json', '{ nope'))).toThrow(/not valid JSON/);
    expect(() => resolveSeed(path.join(dir, 'missing.json'))).toThrow(SeedError);
    expect(() => resolveSeed({ acls: [{ name: 'x', operation: 'fly' }] } as never)).toThrow(/acls\[0\]\.operation/);
  });

  it('edits fail loudly on names that are not in the seed', () => {
    const seed = loadDefaultSeed();
    expect(() => seedEdits.lockUser(seed, 'no.such.user')).toThrow(/no user no.such.user/);
    expect(() => seedEdits.revokeRole(seed, 'itil.user', 'admin')).toThrow(/has no role admin/);
    expect(() => seedEdits.removeAcl(seed, 'incident', 'execute')).toThrow(/no execute ACL/);
    expect(seedEdits.removeAcl(seed, 'incident', 'read').acls.some((a) => a.name === 'incident' && a.operation === 'read')).toBe(false);
  });

  it('mergeSeeds keys ACLs by type, operation and name', () => {
    const base = loadDefaultSeed();
    const merged = mergeSeeds(base, { acls: [{ name: 'incident', operation: 'read', roles: ['admin'] }] });
    expect(merged.acls.filter((a) => a.name === 'incident' && a.operation === 'read')).toEqual([{ name: 'incident', operation: 'read', roles: ['admin'] }]);
    expect(merged.acls).toHaveLength(base.acls.length);
  });
});

describe('loading a seed', () => {
  it('loads once, resolving natural keys, and leaves a seeded database alone', async () => {
    const engine = InstanceEngine.open({ dbPath: ':memory:' });
    try {
      expect(await applySeed(engine, resolveSeed())).toBe(true);
      expect(isSeeded(engine)).toBe(true);
      expect(await applySeed(engine, resolveSeed())).toBe(false);
      expect(engine.count('sys_user', 'user_name=admin')).toBe(1);
      const app = engine.query('cmdb_ci_app_server', { query: 'name=tomcat-payments' }).records[0];
      expect(engine.displayValue(app, 'running_on')).toBe('lnx-web-01');
      const outage = engine.query('incident', { query: 'short_descriptionSTARTSWITHOutage' }).records[0];
      expect(outage.values).toMatchObject({ state: '7', active: 'false', priority: '1', sys_created_on: '2025-01-15 02:10:00', sys_created_by: 'itil.user' });
      expect(engine.displayValue(outage, 'closed_by')).toBe('Alice Chen');
      expect(engine.count('sys_journal_field', `element_id=${outage.sysId}`)).toBe(3);
      expect(engine.getProperty('instance_name')).toBe('local');
    } finally {
      engine.close();
    }
  });

  it('rolls back a seed that names something that does not exist', async () => {
    const engine = InstanceEngine.open({ dbPath: ':memory:' });
    try {
      const seed = resolveSeed((s) => {
        s.groups.push({ name: 'Ghosts', members: ['nobody.here'] });
      });
      await expect(applySeed(engine, seed)).rejects.toThrow(/group Ghosts member: no sys_user record 'nobody.here'/);
      expect(isSeeded(engine)).toBe(false);
      expect(engine.count('sys_user')).toBe(0);
    } finally {
      engine.close();
    }
  });
});
