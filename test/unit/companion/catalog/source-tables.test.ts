import { booleanOf, modCountOf, referenceOf, requestedFields, SOURCE_TABLES, textOf } from '../../../../src/companion/catalog/source-tables';

describe('reading Table API values', () => {
  it('takes the raw value of a plain string, a reference object or a display-value pair', () => {
    expect(textOf('x')).toBe('x');
    expect(textOf({ link: 'https://acme.service-now.com/api/now/table/sys_user/abc', value: 'abc' })).toBe('abc');
    expect(textOf({ display_value: 'Alice', value: 'abc' })).toBe('abc');
    expect(textOf(null)).toBe('');
    expect(textOf(undefined)).toBe('');
  });

  it('turns an empty reference into null, and reads booleans and mod counts as ServiceNow sends them', () => {
    expect(referenceOf('')).toBeNull();
    expect(referenceOf({ value: 'abc', link: 'x' })).toBe('abc');
    expect([booleanOf('true'), booleanOf('1'), booleanOf('false'), booleanOf(''), booleanOf(' TRUE ')]).toEqual([true, true, false, false, true]);
    expect([modCountOf('3'), modCountOf(''), modCountOf('-1'), modCountOf('2.5')]).toEqual([3, null, null, null]);
  });
});

describe('the source tables', () => {
  it('ask for the version fields first, and the CI class', () => {
    expect(requestedFields(SOURCE_TABLES.cmdb_ci).slice(0, 4)).toEqual(['sys_id', 'sys_updated_on', 'sys_mod_count', 'sys_class_name']);
    expect(requestedFields(SOURCE_TABLES.sys_user_grmember)).toEqual(['sys_id', 'sys_updated_on', 'sys_mod_count', 'user', 'group']);
  });

  it('name the role of setup guide step 3 that reads each', () => {
    expect(Object.values(SOURCE_TABLES).map((s) => [s.table, s.readRole])).toEqual([
      ['cmdb_ci', 'cmdb_read'],
      ['cmdb_ci_service', 'cmdb_read'],
      ['sys_user', 'sn_cmdb_user'],
      ['sys_user_group', 'sn_cmdb_user'],
      ['sys_user_grmember', 'sn_cmdb_user'],
    ]);
  });

  it('map a service record, including ServiceNow\'s spelling busines_criticality', () => {
    const record = SOURCE_TABLES.cmdb_ci_service.toRecord({
      sys_id: 'a'.repeat(32),
      sys_updated_on: '2026-01-01 00:00:00',
      sys_mod_count: '4',
      sys_class_name: 'cmdb_ci_service',
      name: 'Payments',
      busines_criticality: '1 - most critical',
      support_group: { value: 'b'.repeat(32), link: 'x' },
      owned_by: '',
    });
    expect(record).toMatchObject({ sysModCount: 4, businessCriticality: '1 - most critical', supportGroupSysId: 'b'.repeat(32), ownedBySysId: null, usedFor: '' });
  });
});
