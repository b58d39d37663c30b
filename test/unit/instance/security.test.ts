import { InstanceEngine } from '../../../src/instance/records/engine';
import type { Session } from '../../../src/instance/records/session';

function setup(): InstanceEngine {
  return InstanceEngine.open({ dbPath: ':memory:' });
}

function role(engine: InstanceEngine, name: string): string {
  return engine.insert('sys_user_role', { name }).sysId;
}

function contains(engine: InstanceEngine, parent: string, child: string): string {
  return engine.insert('sys_user_role_contains', { role: parent, contains: child }).sysId;
}

function user(engine: InstanceEngine, name: string): string {
  return engine.insert('sys_user', { user_name: name, first_name: name }).sysId;
}

function grant(engine: InstanceEngine, userId: string, roleId: string): string {
  return engine.insert('sys_user_has_role', { user: userId, role: roleId }).sysId;
}

type Row = { role: string; inherited: string; granted_by: string; included_in_role: string };
function rows(engine: InstanceEngine, userId: string): Row[] {
  return engine
    .query('sys_user_has_role', { query: `user=${userId}` })
    .records.map((r) => ({
      role: engine.displayValue(r, 'role'),
      inherited: r.values.inherited,
      granted_by: engine.displayValue(r, 'granted_by'),
      included_in_role: engine.displayValue(r, 'included_in_role'),
    }))
    .sort((a, b) => `${a.role}${a.included_in_role}${a.granted_by}`.localeCompare(`${b.role}${b.included_in_role}${b.granted_by}`));
}

describe('roles: containment and sys_user_has_role maintenance', () => {
  let engine: InstanceEngine;
  beforeEach(() => {
    engine = setup();
  });
  afterEach(() => engine.close());

  it('writes inherited rows for contained roles, transitively, and keeps them up to date', () => {
    const [a, b, c] = ['role_a', 'role_b', 'role_c'].map((n) => role(engine, n));
    contains(engine, a, b);
    const bc = contains(engine, b, c);
    const u = user(engine, 'u1');
    grant(engine, u, a);
    expect(rows(engine, u)).toEqual([
      { role: 'role_a', inherited: 'false', granted_by: '', included_in_role: '' },
      { role: 'role_b', inherited: 'true', granted_by: '', included_in_role: 'role_a' },
      { role: 'role_c', inherited: 'true', granted_by: '', included_in_role: 'role_b' },
    ]);
    expect([...engine.sessionForUser('u1')!.roles].sort()).toEqual(['role_a', 'role_b', 'role_c']);
    engine.delete('sys_user_role_contains', bc);
    expect(rows(engine, u).map((r) => r.role)).toEqual(['role_a', 'role_b']);
    expect(engine.sessionForUser('u1')!.roles.has('role_c')).toBe(false);
  });

  it('survives containment cycles', () => {
    const [a, b] = ['cyc_a', 'cyc_b'].map((n) => role(engine, n));
    contains(engine, a, b);
    contains(engine, b, a);
    const u = user(engine, 'u2');
    grant(engine, u, a);
    expect(rows(engine, u)).toEqual([
      { role: 'cyc_a', inherited: 'false', granted_by: '', included_in_role: '' },
      { role: 'cyc_a', inherited: 'true', granted_by: '', included_in_role: 'cyc_b' },
      { role: 'cyc_b', inherited: 'true', granted_by: '', included_in_role: 'cyc_a' },
    ]);
  });

  it('grants group roles to members (granted_by the group) and takes them away', () => {
    const r = role(engine, 'grp_role');
    const child = role(engine, 'grp_child');
    contains(engine, r, child);
    const group = engine.insert('sys_user_group', { name: 'G1' }).sysId;
    engine.insert('sys_group_has_role', { group, role: r });
    const u = user(engine, 'u3');
    const membership = engine.insert('sys_user_grmember', { user: u, group }).sysId;
    expect(rows(engine, u)).toEqual([
      { role: 'grp_child', inherited: 'true', granted_by: 'G1', included_in_role: 'grp_role' },
      { role: 'grp_role', inherited: 'false', granted_by: 'G1', included_in_role: '' },
    ]);
    engine.delete('sys_user_grmember', membership);
    expect(rows(engine, u)).toEqual([]);
  });

  it('grants pending roles as soon as the role is created, and cleans up when a role is deleted', () => {
    user(engine, 'svc');
    engine.roles.addPendingGrant('svc', 'x_app.api_user');
    expect(engine.sessionForUser('svc')!.roles.size).toBe(0);
    const r = role(engine, 'x_app.api_user');
    expect([...engine.sessionForUser('svc')!.roles]).toEqual(['x_app.api_user']);
    expect(engine.roles.pendingGrants()).toEqual([]);
    engine.delete('sys_user_role', r);
    expect(engine.sessionForUser('svc')!.roles.size).toBe(0);
  });

  it('removes the rows that pointed at a deleted group, user or role, and recomputes members', () => {
    const r = role(engine, 'cascade_role');
    const other = role(engine, 'cascade_other');
    contains(engine, other, r);
    const group = engine.insert('sys_user_group', { name: 'Cascade' }).sysId;
    engine.insert('sys_group_has_role', { group, role: r });
    const member = user(engine, 'cascade_member');
    engine.insert('sys_user_grmember', { user: member, group });
    expect(rows(engine, member).map((x) => x.role)).toEqual(['cascade_role']);
    engine.delete('sys_user_group', group);
    expect(rows(engine, member)).toEqual([]);
    expect(engine.count('sys_user_grmember', `group=${group}`)).toBe(0);
    expect(engine.count('sys_group_has_role', `group=${group}`)).toBe(0);

    const gone = user(engine, 'cascade_gone');
    grant(engine, gone, r);
    engine.delete('sys_user', gone);
    expect(engine.count('sys_user_has_role', `user=${gone}`)).toBe(0);

    engine.delete('sys_user_role', r);
    expect(engine.count('sys_user_role_contains', `contains=${r}`)).toBe(0);
  });
});

describe('ACL evaluation', () => {
  let engine: InstanceEngine;
  let sessions: Record<string, Session>;

  const acl = (name: string, operation: string, roles: string[], extra: Record<string, unknown> = {}): string => {
    const id = engine.insert('sys_security_acl', { name, operation, type: 'record', decision_type: 'allow', admin_overrides: true, active: true, ...extra }).sysId;
    for (const r of roles) engine.insert('sys_security_acl_role', { sys_security_acl: id, sys_user_role: engine.lookupReference('sys_user_role', r, true) });
    return id;
  };

  beforeEach(() => {
    engine = setup();
    for (const r of ['admin', 'itil', 'reader', 'gate']) role(engine, r);
    const names = { admin: ['admin'], itil: ['itil'], reader: ['reader'], gated: ['itil', 'gate'], nobody: [] as string[] };
    sessions = {};
    for (const [name, roles] of Object.entries(names)) {
      const id = user(engine, name);
      for (const r of roles) grant(engine, id, engine.lookupReference('sys_user_role', r, true)!);
      sessions[name] = engine.sessionForUser(name)!;
    }
  });
  afterEach(() => engine.close());

  it('denies everything when no ACL matches at any level; admin passes role checks', () => {
    expect(engine.canRead('incident', sessions.itil)).toBe(false);
    acl('*', 'read', ['admin']);
    expect(engine.canRead('incident', sessions.itil)).toBe(false);
    expect(engine.canRead('incident', sessions.admin)).toBe(true);
  });

  it('applies a parent table’s ACLs to a child table without its own, the most specific level deciding', () => {
    acl('*', 'read', ['admin']);
    acl('task', 'read', ['reader']);
    expect(engine.canRead('incident', sessions.reader)).toBe(true);
    expect(engine.canRead('incident', sessions.itil)).toBe(false);
    acl('incident', 'read', ['itil']);
    expect(engine.canRead('incident', sessions.itil)).toBe(true);
    // The incident level now decides alone: the task ACL no longer helps the reader.
    expect(engine.canRead('incident', sessions.reader)).toBe(false);
    expect(engine.canRead('task', sessions.reader)).toBe(true);
  });

  it('lets a deny-unless ACL win over allow ACLs at the same level', () => {
    acl('incident', 'write', ['itil']);
    acl('incident', 'write', ['gate'], { decision_type: 'deny' });
    expect(engine.canWrite('incident', sessions.itil)).toBe(false);
    expect(engine.canWrite('incident', sessions.gated)).toBe(true);
  });

  it('evaluates conditions on the record; admin overrides them unless admin_overrides is off', () => {
    acl('incident', 'read', ['itil'], { condition: 'active=true' });
    const meta = engine.tableMeta('incident');
    const open = engine.insert('incident', {});
    const closed = engine.insert('incident', { state: 7, close_code: 'Duplicate', close_notes: 'x' });
    const can = (s: Session, id: string) => engine.acl.canRead(meta, s, { table: meta, values: engine.get('incident', id)!.values as Record<string, string> });
    expect(can(sessions.itil, open.sysId)).toBe(true);
    expect(can(sessions.itil, closed.sysId)).toBe(false);
    expect(can(sessions.admin, closed.sysId)).toBe(true);
    const strict = engine.query('sys_security_acl', { query: 'name=incident' }).records[0];
    engine.update('sys_security_acl', strict.sysId, { admin_overrides: false });
    expect(can(sessions.admin, closed.sysId)).toBe(false);
    // Without a record (can the user read the table at all?) a condition counts as met.
    expect(engine.canRead('incident', sessions.itil)).toBe(true);
  });

  it('resolves dynamic values such as gs.getUserID() in conditions', () => {
    acl('sys_user_has_role', 'read', [], { condition: 'user=javascript:gs.getUserID()' });
    const meta = engine.tableMeta('sys_user_has_role');
    const mine = engine.query('sys_user_has_role', { query: `user=${sessions.itil.userSysId}` }).records[0];
    const theirs = engine.query('sys_user_has_role', { query: `user=${sessions.reader.userSysId}` }).records[0];
    expect(engine.acl.canRead(meta, sessions.itil, { table: meta, values: mine.values as Record<string, string> })).toBe(true);
    expect(engine.acl.canRead(meta, sessions.itil, { table: meta, values: theirs.values as Record<string, string> })).toBe(false);
  });

  it('checks field ACLs: table.field, then parents and *.field, then table.*; none means allowed', () => {
    const meta = engine.tableMeta('incident');
    expect(engine.acl.checkField('read', meta, 'short_description', sessions.itil)).toBe(true);
    acl('task.*', 'read', ['reader']);
    expect(engine.acl.checkField('read', meta, 'short_description', sessions.itil)).toBe(false);
    acl('*.short_description', 'read', ['itil']);
    expect(engine.acl.checkField('read', meta, 'short_description', sessions.itil)).toBe(true);
    expect(engine.acl.checkField('read', meta, 'description', sessions.itil)).toBe(false);
    acl('task.short_description', 'read', ['gate']);
    expect(engine.acl.checkField('read', meta, 'short_description', sessions.itil)).toBe(false);
    expect(engine.acl.checkField('read', meta, 'short_description', sessions.gated)).toBe(true);
  });

  it('asks the runtime’s hook for ACL scripts of advanced ACLs', () => {
    acl('incident', 'delete', ['itil'], { advanced: true, script: 'answer = false;' });
    expect(engine.canDelete('incident', sessions.itil)).toBe(true);
    const evaluator = jest.fn(() => false);
    engine.setHooks({ aclScript: evaluator });
    expect(engine.canDelete('incident', sessions.itil)).toBe(false);
    expect(evaluator).toHaveBeenCalledWith(expect.objectContaining({ acl: expect.objectContaining({ script: 'answer = false;' }), table: 'incident' }));
  });

  it('keeps decisions the roles alone make per session until the rules change, never those of a condition', () => {
    const meta = engine.tableMeta('incident');
    acl('incident.short_description', 'read', ['itil']);
    acl('incident.description', 'read', ['itil'], { condition: 'active=true' });
    const rulesFor = jest.spyOn(engine.acl, 'rulesFor');
    expect(engine.acl.checkField('read', meta, 'short_description', sessions.itil)).toBe(true);
    expect(rulesFor).toHaveBeenCalled();
    rulesFor.mockClear();
    expect(engine.acl.checkField('read', meta, 'short_description', sessions.itil)).toBe(true);
    expect(engine.acl.checkField('read', meta, 'short_description', sessions.reader)).toBe(false);
    expect(rulesFor).toHaveBeenCalledTimes(1); // the reader's first check only
    const open = { table: meta, values: engine.insert('incident', {}).values };
    const closed = { table: meta, values: engine.insert('incident', { state: 7, close_code: 'Duplicate', close_notes: 'x' }).values };
    expect(engine.acl.checkField('read', meta, 'description', sessions.itil, open)).toBe(true);
    expect(engine.acl.checkField('read', meta, 'description', sessions.itil, closed)).toBe(false);
    expect(engine.acl.checkField('read', meta, 'description', sessions.itil, open)).toBe(true);
    // A new rule drops what was kept.
    acl('incident.short_description', 'read', ['gate'], { decision_type: 'deny' });
    expect(engine.acl.checkField('read', meta, 'short_description', sessions.itil)).toBe(false);
    expect(engine.acl.checkField('read', meta, 'short_description', sessions.gated)).toBe(true);
    rulesFor.mockRestore();
  });

  it('ignores inactive ACLs and sees new ACLs at once', () => {
    const id = acl('incident', 'create', ['itil']);
    expect(engine.canCreate('incident', sessions.itil)).toBe(true);
    engine.update('sys_security_acl', id, { active: false });
    expect(engine.canCreate('incident', sessions.itil)).toBe(false);
  });
});
