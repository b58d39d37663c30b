import { followUpStatusForState, DEFAULT_FOLLOW_UP_MAPPING, PROBLEM_FOLLOW_UP_MAPPING } from '../../../../src/companion/sync/follow-up-mapping';
import { MappingError, parseMapping } from '../../../../src/companion/sync/mapping';

describe('the follow-ups mapping', () => {
  it('defaults to incident records under parent_incident: 1–5 outstanding, 6 and 7 completed, 8 not doing', () => {
    expect(parseMapping({}).followUps).toEqual(DEFAULT_FOLLOW_UP_MAPPING);
    expect(['1', '2', '3', '4', '5', '6', '7', '8', '42'].map((s) => followUpStatusForState(DEFAULT_FOLLOW_UP_MAPPING, s))).toEqual([
      'outstanding', 'outstanding', 'outstanding', 'outstanding', 'outstanding', 'completed', 'completed', 'not_doing', undefined,
    ]);
  });

  it('takes a problem table with its own states, merged key by key', () => {
    const mapping = parseMapping({ followUps: { table: 'problem', parentField: 'parent', completedStates: ['106', '107'], outstandingStates: ['101'], notDoingStates: [] } });
    expect(mapping.followUps).toMatchObject({ table: 'problem', parentField: 'parent', outstandingStates: ['101'], toState: PROBLEM_FOLLOW_UP_MAPPING.toState });
    expect(followUpStatusForState(mapping.followUps, '107')).toBe('completed');
    expect(followUpStatusForState(mapping.followUps, '8')).toBeUndefined();
  });

  it('gives problem its own defaults from the table alone: parent, 101–104 outstanding, 106 and 107 completed, no close fields', () => {
    const mapping = parseMapping({ followUps: { table: 'problem' } });
    expect(mapping.followUps).toEqual(PROBLEM_FOLLOW_UP_MAPPING);
    expect(['101', '102', '103', '104', '106', '107', '1', '6'].map((s) => followUpStatusForState(mapping.followUps, s))).toEqual([
      'outstanding', 'outstanding', 'outstanding', 'outstanding', 'completed', 'completed', undefined, undefined,
    ]);
    // Back to incident: incident's defaults again, not problem's.
    expect(parseMapping({ followUps: { table: 'incident' } }).followUps).toEqual(DEFAULT_FOLLOW_UP_MAPPING);
  });

  it('asks for the states of any other table, naming what is missing; takes it once they are given', () => {
    expect(() => parseMapping({ followUps: { table: 'change_request', completedStates: ['3'] } })).toThrow(
      /followUps\.table "change_request": the companion knows the states of incident and problem only; give followUps\.outstandingStates, followUps\.notDoingStates, followUps\.toState/,
    );
    const mapping = parseMapping({
      followUps: { table: 'change_request', outstandingStates: ['-5', '1', '2'], completedStates: ['3'], notDoingStates: ['4', '7'], toState: { outstanding: '1', completed: '3', not_doing: '4' } },
    });
    expect(mapping.followUps).toMatchObject({ table: 'change_request', parentField: 'parent', closeFields: {} });
  });

  it.each([
    [{ table: 'Problem Table' }, /followUps\.table: must be a ServiceNow table or field name/],
    [{ completedStates: ['5', '6'] }, /followUps\.completedStates: state "5" is also in followUps\.outstandingStates/],
    [{ toState: { completed: 'six' } }, /followUps\.toState\.completed: must be a choice value/],
    [{ parentField: 'correlation_id' }, /followUps\.parentField: correlation_id is set by the sync itself/],
    [{ colour: 'red' }, /followUps: Unrecognized key/i],
  ])('refuses %j, naming the path', (followUps, message) => {
    expect(() => parseMapping({ followUps })).toThrow(MappingError);
    expect(() => parseMapping({ followUps })).toThrow(message);
  });
});
