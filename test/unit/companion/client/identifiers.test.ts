import fc from 'fast-check';
import { InvalidIdentifierError } from '../../../../src/companion/client/errors';
import { normalizeFieldName, normalizeSysId, normalizeTableName } from '../../../../src/companion/client/identifiers';

describe('identifiers', () => {
  it.each(['incident', 'cmdb_ci_service', 'sys_user_has_role', 'x_incident_io_event', 'u_custom2'])('accepts the table %j', (name) => {
    expect(normalizeTableName(name)).toBe(name);
  });

  it('sends table names in lower case', () => {
    expect(normalizeTableName('Incident')).toBe('incident');
  });

  it.each(['', 'incident/../sys_user', 'incident?x=1', '_private', '1table', 'inc ident', 'incident%2f', 'a'.repeat(81), 'incident.number'])(
    'refuses the table %j',
    (name) => {
      expect(() => normalizeTableName(name)).toThrow(InvalidIdentifierError);
    },
  );

  it('accepts fields and dot-walks, in lower case', () => {
    expect(normalizeFieldName('short_description')).toBe('short_description');
    expect(normalizeFieldName('Caller_ID.User_Name')).toBe('caller_id.user_name');
    expect(normalizeFieldName('_underscore')).toBe('_underscore');
  });

  it.each(['', 'a b', 'a.', '.a', 'a..b', '9a', 'a-b', 'a=b', 'a^b', 'a,b'])('refuses the field %j', (name) => {
    expect(() => normalizeFieldName(name)).toThrow(InvalidIdentifierError);
  });

  it('accepts 32-digit hex sys_ids, in lower case', () => {
    expect(normalizeSysId('9D385017C611228701D22104CC95C371')).toBe('9d385017c611228701d22104cc95c371');
  });

  it.each(['', '9d385017c611228701d22104cc95c37', '9d385017c611228701d22104cc95c3711', '../../sys_user', 'INC0010001', '9d385017c611228701d22104cc95c37g'])(
    'refuses the sys_id %j',
    (id) => {
      expect(() => normalizeSysId(id)).toThrow(/not a sys_id: expected 32 hexadecimal digits/);
    },
  );

  it('never lets a path or query character through', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        for (const normalize of [normalizeTableName, normalizeFieldName, normalizeSysId]) {
          try {
            const result = normalize(text);
            if (/[^a-z0-9_.]/.test(result)) return false;
          } catch (err) {
            if (!(err instanceof InvalidIdentifierError)) return false;
          }
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
