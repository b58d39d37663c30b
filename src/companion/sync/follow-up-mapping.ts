import { z } from 'zod';
import { FOLLOW_UP_STATUSES, type FollowUpStatus } from '../store/follow-up-store';

/**
 * The `followUps` part of the mapping: which ServiceNow table a follow-up becomes a record of, the
 * field that points at the incident's record, and how that record's state maps to the follow-up's
 * status both ways (docs/sync.md, "Follow-ups").
 */

const choiceValue = z.string().regex(/^-?\d+$/, 'must be a choice value such as "2"');
const identifier = z.string().regex(/^[a-z][a-z0-9_]{0,79}$/, 'must be a ServiceNow table or field name (lower case, digits, "_")');

export const FollowUpMappingSchema = z
  .object({
    /** The table follow-up records are made in: `incident` (default) or e.g. `problem`. */
    table: identifier,
    /** The reference field of that table set to the incident's record. */
    parentField: identifier,
    /** ServiceNow state → follow-up status. */
    outstandingStates: z.array(choiceValue),
    completedStates: z.array(choiceValue),
    notDoingStates: z.array(choiceValue),
    /** Follow-up status → the state written when it is changed in incident.io. */
    toState: z.record(z.enum(FOLLOW_UP_STATUSES), choiceValue),
    /** Values written with a completed or not-doing state (ServiceNow's incident requires close fields to resolve). */
    closeFields: z.record(identifier, z.string()),
  })
  .strict();

export type FollowUpMapping = z.infer<typeof FollowUpMappingSchema>;

export const DEFAULT_FOLLOW_UP_MAPPING: FollowUpMapping = {
  table: 'incident',
  parentField: 'parent_incident',
  outstandingStates: ['1', '2', '3', '4', '5'],
  completedStates: ['6', '7'],
  notDoingStates: ['8'],
  toState: { outstanding: '1', completed: '6', not_doing: '8' },
  closeFields: { close_code: 'Solution provided', close_notes: 'Follow-up closed in incident.io.' },
};

/**
 * Follow-ups in `problem` (parentField `parent`, task's): problem's state model on a base instance,
 * 101 New to 104 Fix in Progress outstanding, 106 Resolved and 107 Closed completed. Not doing is
 * written as 107 (closed); no ServiceNow state reads back as not doing, as a closed problem says so
 * only by its resolution code. No close fields: a problem needs none to resolve through the Table API.
 */
export const PROBLEM_FOLLOW_UP_MAPPING: FollowUpMapping = {
  table: 'problem',
  parentField: 'parent',
  outstandingStates: ['101', '102', '103', '104'],
  completedStates: ['106', '107'],
  notDoingStates: [],
  toState: { outstanding: '101', completed: '106', not_doing: '107' },
  closeFields: {},
};

const STATE_KEYS = ['outstandingStates', 'completedStates', 'notDoingStates', 'toState'] as const;

/**
 * The defaults a mapping file's `followUps` is merged onto, chosen by its table: incident's, problem's,
 * or for any other table (one extending task) `parent` and no close fields, with its states to be given
 * (the companion cannot know them): `missing` names what the file lacks then.
 */
export function followUpDefaultsFor(input: unknown): { defaults: Partial<FollowUpMapping>; missing: string | null } {
  const given = input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const table = typeof given.table === 'string' ? given.table : DEFAULT_FOLLOW_UP_MAPPING.table;
  // A table that is no name at all is the schema's to refuse.
  if (table === DEFAULT_FOLLOW_UP_MAPPING.table || !identifier.safeParse(table).success) return { defaults: DEFAULT_FOLLOW_UP_MAPPING, missing: null };
  if (table === PROBLEM_FOLLOW_UP_MAPPING.table) return { defaults: PROBLEM_FOLLOW_UP_MAPPING, missing: null };
  const lacking = STATE_KEYS.filter((key) => given[key] === undefined);
  const missing = lacking.length
    ? `followUps.table "${table}": the companion knows the states of incident and problem only; give ${lacking.map((k) => `followUps.${k}`).join(', ')} ` +
      `for the states of ${table} (its state choices: System Definition > Choice Lists, table ${table}, element state)`
    : null;
  return { defaults: { table, parentField: 'parent', closeFields: {} }, missing };
}

/** What the schema cannot check: each state in one category, every status written somewhere. */
export function followUpMappingProblems(mapping: FollowUpMapping): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [category, states] of [
    ['outstandingStates', mapping.outstandingStates],
    ['completedStates', mapping.completedStates],
    ['notDoingStates', mapping.notDoingStates],
  ] as const) {
    for (const state of states) {
      const other = seen.get(state);
      if (other) problems.push(`followUps.${category}: state "${state}" is also in followUps.${other}`);
      seen.set(state, category);
    }
  }
  for (const status of FOLLOW_UP_STATUSES) {
    if (mapping.toState[status] === undefined) problems.push(`followUps.toState: "${status}" has no ServiceNow state`);
  }
  if (mapping.parentField === 'correlation_id') problems.push('followUps.parentField: correlation_id is set by the sync itself');
  return problems;
}

/** The follow-up status a ServiceNow state means, or undefined for a state the mapping does not know (the status is kept). */
export function followUpStatusForState(mapping: FollowUpMapping, state: string): FollowUpStatus | undefined {
  if (mapping.outstandingStates.includes(state)) return 'outstanding';
  if (mapping.completedStates.includes(state)) return 'completed';
  if (mapping.notDoingStates.includes(state)) return 'not_doing';
  return undefined;
}
