import fs from 'node:fs';
import { z } from 'zod';
import { IncidentSnError } from '../../shared/errors';
import {
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  type IncidentSeverity,
  type IncidentStatus,
} from '../store/sync-store';
import { SYNC_OWNED_FIELDS, TEMPLATE_RESERVED_FIELDS, TicketTemplateSchema, unknownPlaceholders, usesPlaceholder, type FieldValue } from './ticket-templates';
import { DEFAULT_FOLLOW_UP_MAPPING, followUpDefaultsFor, followUpMappingProblems, FollowUpMappingSchema } from './follow-up-mapping';

/**
 * How incident.io fields and ServiceNow fields correspond, in both directions. The defaults follow
 * the setup guide and a base instance; a JSON file (`--mapping FILE`) overrides any part of them:
 * objects are merged key by key onto the defaults, arrays and values replace. docs/sync.md
 * documents the format.
 */

const choiceValue = z.string().regex(/^-?\d+$/, 'must be a choice value such as "2"');
const statusEnum = z.enum(INCIDENT_STATUSES);
const severityEnum = z.enum(INCIDENT_SEVERITIES);
const fieldName = z.string().regex(/^[a-z][a-z0-9_]{0,79}$/, 'must be a ServiceNow field name (lower case, digits, "_")');

const impactUrgency = z.object({ impact: choiceValue, urgency: choiceValue }).strict();

export const MappingSchema = z
  .object({
    status: z
      .object({
        /** incident.io status → ServiceNow state, for writes. */
        toState: z.record(statusEnum, choiceValue),
        /**
         * ServiceNow state → incident.io status, applied whatever the incident's status (even when it
         * "goes back"). States not listed follow their category (below).
         */
        fromState: z.record(z.string().regex(/^-?\d+$/), statusEnum),
        /** States that mean "open": they never move an open incident.io status; they reopen a closed one. */
        openStates: z.array(choiceValue),
        /** States that mean "completed" (resolved or closed): unlisted ones become `resolved`. */
        completedStates: z.array(choiceValue),
        /** States that mean "canceled": unlisted ones become `declined`. */
        canceledStates: z.array(choiceValue),
        /** The status an incident gets when ServiceNow reopens it into an open state no status maps to. */
        reopenedStatus: statusEnum,
      })
      .strict(),
    severity: z
      .object({
        /** incident.io severity → ServiceNow impact and urgency (ServiceNow computes priority from them). */
        toImpactUrgency: z.record(severityEnum, impactUrgency),
        /** ServiceNow priority → incident.io severity. */
        fromPriority: z.record(z.string().regex(/^-?\d+$/), severityEnum),
      })
      .strict(),
    /**
     * What ServiceNow requires when an incident is resolved or closed (a data policy on most
     * instances). Sent with the state change when the record has no value yet. `{reference}` and
     * `{name}` are replaced by the incident's.
     */
    resolution: z
      .object({
        states: z.array(choiceValue),
        closeCode: z.string().min(1),
        closeNotes: z.string().min(1),
      })
      .strict(),
    /** Assignment group (by name) of incidents incident.io creates; null: none. */
    assignmentGroup: z.string().min(1).nullable(),
    /** More fields set when incident.io creates a ServiceNow incident (raw values), e.g. {"category": "software"}. */
    createFields: z.record(fieldName, z.union([z.string(), z.number(), z.boolean()])),
    /**
     * Which ServiceNow incidents not linked to an incident.io incident are declared in incident.io
     * (the others are ignored): those whose priority is listed. Empty: none.
     */
    declare: z
      .object({
        priorities: z.array(choiceValue),
        /** Only while the ServiceNow incident is active (not resolved, closed or canceled). */
        activeOnly: z.boolean(),
      })
      .strict(),
    /**
     * Ticket templates, in order (ticket-templates.ts). Empty: the built-in mapping above makes
     * a ticket for every incident, as before templates existed.
     */
    templates: z.array(TicketTemplateSchema),
    /** The template used when templates have conditions and none matches; null: no ticket. */
    noMatchTemplate: z.string().min(1).nullable(),
    /** The incident's page in incident.io, for `{url}`: `{id}` and `{reference}` are filled in. Null: `{url}` cannot be used. */
    incidentUrl: z.string().regex(/^https?:\/\//, 'must start with http:// or https://').nullable(),
    /** Follow-ups: the table and parent field of their records, and the state mapping (follow-up-mapping.ts). */
    followUps: FollowUpMappingSchema,
    /**
     * Files attached to synced incidents in ServiceNow (attachment-fetch.ts): images up to maxBytes
     * are fetched and served; larger files are listed with the reason and never read in full.
     */
    attachments: z.object({ maxBytes: z.number().int().positive().max(1024 * 1024 * 1024) }).strict(),
  })
  .strict();

export type SyncMapping = z.infer<typeof MappingSchema>;

/** Fields incident.io never lets a mapping's createFields set: the incident fields the sync maps, and its own. */
const RESERVED_CREATE_FIELDS = new Set([
  'short_description',
  'description',
  'state',
  'impact',
  'urgency',
  'priority',
  'assigned_to',
  'assignment_group',
  ...SYNC_OWNED_FIELDS,
]);

export const DEFAULT_MAPPING: SyncMapping = {
  status: {
    toState: {
      triage: '1',
      investigating: '2',
      fixing: '2',
      monitoring: '2',
      resolved: '6',
      closed: '7',
      declined: '8',
    },
    fromState: { '6': 'resolved', '7': 'closed', '8': 'declined' },
    openStates: ['1', '2', '3', '4', '5'],
    completedStates: ['6', '7'],
    canceledStates: ['8'],
    reopenedStatus: 'investigating',
  },
  severity: {
    toImpactUrgency: {
      critical: { impact: '1', urgency: '1' },
      major: { impact: '1', urgency: '2' },
      minor: { impact: '2', urgency: '2' },
    },
    fromPriority: { '1': 'critical', '2': 'major', '3': 'minor', '4': 'minor', '5': 'minor' },
  },
  resolution: {
    states: ['6', '7'],
    closeCode: 'Solution provided',
    closeNotes: 'Resolved in incident.io ({reference}).',
  },
  assignmentGroup: null,
  createFields: {},
  declare: { priorities: [], activeOnly: true },
  templates: [],
  noMatchTemplate: null,
  incidentUrl: null,
  followUps: DEFAULT_FOLLOW_UP_MAPPING,
  attachments: { maxBytes: 10 * 1024 * 1024 },
};

export class MappingError extends IncidentSnError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'mapping_invalid', ...(cause !== undefined ? { cause } : {}) });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** `override` merged onto `base`: objects key by key, anything else replaces. */
export function mergeOnto(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = mergeOnto(base[key], value);
  return out;
}

/** A path as a reader writes it: `templates[1].fields.u_team`. */
export function pathText(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text ? '.' : ''}${String(part)}`;
  return text || '(root)';
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${pathText(issue.path)}: ${issue.message}`).join('; ');
}

/** The texts with placeholders a field value holds. */
function placeholderTexts(value: FieldValue): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object') return [];
  if ('user' in value) return [value.user];
  if ('group' in value) return [value.group];
  return [value.map];
}

/** Template problems the schema cannot see: duplicate names, a fallback naming nothing, reserved fields, unknown placeholders. */
function checkTemplates(mapping: SyncMapping): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  mapping.templates.forEach((template, i) => {
    const at = `templates[${i}]`;
    if (names.has(template.name)) problems.push(`${at}.name: "${template.name}" is the name of an earlier template too; give each template its own name`);
    names.add(template.name);
    for (const [field, value] of Object.entries(template.fields)) {
      if (TEMPLATE_RESERVED_FIELDS.has(field) || field.startsWith('sys_')) {
        problems.push(`${at}.fields.${field} (template "${template.name}"): set by ServiceNow or the sync itself; remove it from the template`);
        continue;
      }
      for (const text of placeholderTexts(value)) {
        for (const key of unknownPlaceholders(text)) problems.push(`${at}.fields.${field} (template "${template.name}"): unknown placeholder {${key}}`);
        if (usesPlaceholder(text, 'url') && mapping.incidentUrl === null) {
          problems.push(`${at}.fields.${field} (template "${template.name}"): {url} needs "incidentUrl", the address of an incident's page in incident.io`);
        }
      }
    }
  });
  if (mapping.noMatchTemplate !== null && !names.has(mapping.noMatchTemplate)) {
    problems.push(`noMatchTemplate: no template is named "${mapping.noMatchTemplate}"`);
  }
  return problems;
}

/** Checks what the schema cannot: every status and severity is mapped, and the categories agree. */
function checkConsistency(mapping: SyncMapping): string[] {
  const problems: string[] = [];
  for (const status of INCIDENT_STATUSES) {
    if (mapping.status.toState[status] === undefined) problems.push(`status.toState: "${status}" has no ServiceNow state`);
  }
  for (const severity of INCIDENT_SEVERITIES) {
    if (mapping.severity.toImpactUrgency[severity] === undefined) problems.push(`severity.toImpactUrgency: "${severity}" has no impact and urgency`);
  }
  const seen = new Map<string, string>();
  for (const [category, states] of [
    ['openStates', mapping.status.openStates],
    ['completedStates', mapping.status.completedStates],
    ['canceledStates', mapping.status.canceledStates],
  ] as const) {
    for (const state of states) {
      const other = seen.get(state);
      if (other) problems.push(`status.${category}: state "${state}" is also in status.${other}`);
      seen.set(state, category);
    }
  }
  for (const key of Object.keys(mapping.createFields)) {
    if (RESERVED_CREATE_FIELDS.has(key)) problems.push(`createFields.${key}: set by the sync itself; remove it from createFields`);
  }
  problems.push(...followUpMappingProblems(mapping.followUps));
  return problems;
}

/** Validates a mapping given as an object (a file's content): merged onto the defaults. */
export function parseMapping(input: unknown, where = 'the mapping'): SyncMapping {
  if (input !== undefined && !isPlainObject(input)) throw new MappingError(`${where} must be a JSON object.`);
  // Follow-ups' defaults depend on their table (incident, problem, or states to be given).
  const followUps = followUpDefaultsFor((input as Record<string, unknown> | undefined)?.followUps);
  if (followUps.missing) throw new MappingError(`${where} is not valid: ${followUps.missing}`);
  const merged = mergeOnto({ ...DEFAULT_MAPPING, followUps: followUps.defaults }, input ?? {});
  const parsed = MappingSchema.safeParse(merged);
  if (!parsed.success) throw new MappingError(`${where} is not valid: ${describeIssues(parsed.error)}`);
  const problems = [...checkConsistency(parsed.data), ...checkTemplates(parsed.data)];
  if (problems.length) throw new MappingError(`${where} is not valid: ${problems.join('; ')}`);
  return parsed.data;
}

/** Reads and validates a mapping file. */
export function loadMappingFile(file: string): SyncMapping {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new MappingError(`Cannot read the mapping file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MappingError(`The mapping file ${file} is not JSON: ${(err as Error).message}`, err);
  }
  return parseMapping(json, `The mapping file ${file}`);
}

// ── Directions ────────────────────────────────────────────────────────────────

export const OPEN_STATUSES: readonly IncidentStatus[] = ['triage', 'investigating', 'fixing', 'monitoring'];

export function isOpenStatus(status: IncidentStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

export function stateForStatus(mapping: SyncMapping, status: IncidentStatus): string {
  return mapping.status.toState[status] ?? mapping.status.toState.investigating ?? '2';
}

/**
 * The incident.io status a ServiceNow state means for an incident whose status is `current`
 * (undefined for a new incident), or undefined when the state is unknown to the mapping (the
 * status is then left as it is).
 *
 * - A state listed in `fromState` gives that status, always.
 * - An open state leaves an open status alone (ServiceNow "In Progress" does not turn "fixing"
 *   back into "investigating"); a closed status is reopened: the status that writes this state,
 *   else `reopenedStatus`.
 * - A completed state gives `resolved`, a canceled one `declined`.
 */
export function statusForState(mapping: SyncMapping, state: string, current: IncidentStatus | undefined): IncidentStatus | undefined {
  const explicit = mapping.status.fromState[state];
  if (explicit) return explicit;
  if (mapping.status.openStates.includes(state)) {
    if (current && isOpenStatus(current)) return current;
    const writer = OPEN_STATUSES.find((s) => mapping.status.toState[s] === state);
    return writer ?? mapping.status.reopenedStatus;
  }
  if (mapping.status.completedStates.includes(state)) return 'resolved';
  if (mapping.status.canceledStates.includes(state)) return 'declined';
  return undefined;
}

export function impactUrgencyForSeverity(mapping: SyncMapping, severity: IncidentSeverity): { impact: string; urgency: string } {
  return mapping.severity.toImpactUrgency[severity] ?? { impact: '2', urgency: '2' };
}

/** The severity a ServiceNow priority means, or undefined when the mapping does not know it. */
export function severityForPriority(mapping: SyncMapping, priority: string): IncidentSeverity | undefined {
  return mapping.severity.fromPriority[priority];
}

/** Whether writing `state` needs the resolution fields. */
export function needsResolution(mapping: SyncMapping, state: string): boolean {
  return mapping.resolution.states.includes(state);
}

export function resolutionValues(mapping: SyncMapping, incident: { reference: string; name: string }): { close_code: string; close_notes: string } {
  const fill = (text: string): string => text.replaceAll('{reference}', incident.reference).replaceAll('{name}', incident.name);
  return { close_code: fill(mapping.resolution.closeCode), close_notes: fill(mapping.resolution.closeNotes) };
}

/** Whether an unlinked ServiceNow incident with this priority (and activity) is declared in incident.io. */
export function shouldDeclare(mapping: SyncMapping, record: { priority: string; active: boolean }): boolean {
  if (!mapping.declare.priorities.includes(record.priority)) return false;
  return !mapping.declare.activeOnly || record.active;
}
