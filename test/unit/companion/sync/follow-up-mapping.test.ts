import { followUpStatusForState, DEFAULT_FOLLOW_UP_MAPPING } from '../../../../src/companion/sync/follow-up-mapping';
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
    expect(mapping.followUps).toMatchObject({ table: 'problem', parentField: 'parent', toState: DEFAULT_FOLLOW_UP_MAPPING.toState });
    expect(followUpStatusForState(mapping.followUps, '107')).toBe('completed');
    expect(followUpStatusForState(mapping.followUps, '8')).toBeUndefined();
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
