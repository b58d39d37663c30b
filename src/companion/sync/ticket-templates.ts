import { z } from 'zod';
import { JOURNAL_FIELDS } from '../../server/contract/push-event';
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES, type IncidentAttributes, type IncidentValues } from '../store/sync-store';

/**
 * Ticket templates (docs/sync.md, "Ticket templates"): which incidents get a ServiceNow ticket,
 * and how its fields are filled in. Templates are tried in order; the first whose conditions
 * match is chosen. With no conditions on any template the first is chosen for every incident;
 * otherwise an incident nothing matches gets no ticket unless `noMatchTemplate` names one. A
 * private incident gets a ticket only when the chosen template allows it.
 */

const fieldName = z.string().regex(/^[a-z][a-z0-9_]{0,79}$/, 'must be a ServiceNow field name (lower case, digits, "_")');
const customKey = z.string().min(1).max(100);
const nonEmptyList = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'list at least one value');

export const TemplateConditionsSchema = z
  .object({
    severity: nonEmptyList(z.enum(INCIDENT_SEVERITIES)).optional(),
    status: nonEmptyList(z.enum(INCIDENT_STATUSES)).optional(),
    type: nonEmptyList(z.string().min(1)).optional(),
    private: z.boolean().optional(),
    /** Custom field → accepted values (a multi-select matches when any of its options is listed). */
    custom_fields: z.record(customKey, nonEmptyList(z.string())).optional(),
  })
  .strict();

export type TemplateConditions = z.infer<typeof TemplateConditionsSchema>;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * A field's value: a fixed value, in which `{placeholders}` are filled in from the incident; or a
 * user looked up by email, a group by name, or a value chosen from a table by another value.
 */
export const FieldValueSchema = z.union([
  scalar,
  z.object({ user: z.string().min(1) }).strict(),
  z.object({ group: z.string().min(1) }).strict(),
  z
    .object({
      map: z.string().min(1),
      values: z.record(z.string(), scalar),
      default: scalar.optional(),
    })
    .strict(),
]);

export type FieldValue = z.infer<typeof FieldValueSchema>;

export const TicketTemplateSchema = z
  .object({
    name: z.string().min(1).max(100),
    conditions: TemplateConditionsSchema.optional(),
    /** Private incidents get a ticket from this template too (default: they get none). */
    allowPrivate: z.boolean().default(false),
    /** ServiceNow incident field → value, set when the ticket is created. */
    fields: z.record(fieldName, FieldValueSchema).default({}),
  })
  .strict();

export type TicketTemplate = z.infer<typeof TicketTemplateSchema>;

/**
 * Fields only the sync writes, whatever a mapping or template says: the record's identity, the
 * sync's own bookkeeping (its correlation with the incident.io incident) and the journals (timeline
 * updates write them).
 */
export const SYNC_OWNED_FIELDS: readonly string[] = ['sys_id', 'number', 'correlation_id', 'correlation_display', ...JOURNAL_FIELDS];

/**
 * Fields a template cannot set: the sync's own (SYNC_OWNED_FIELDS), priority (ServiceNow computes
 * it from impact and urgency) and opened_by.
 */
export const TEMPLATE_RESERVED_FIELDS: ReadonlySet<string> = new Set([...SYNC_OWNED_FIELDS, 'priority', 'opened_by']);

/** What a ticket is filled in from when a template does not say (incident.io's documented mapping). */
export const TEMPLATE_DEFAULT_FIELDS: Readonly<Record<string, FieldValue>> = {
  short_description: '{name}',
  description: '{summary}',
  state: '1',
  impact: '2',
  urgency: '2',
  assigned_to: { user: '{lead}' },
};

/** The placeholders a value may use. `custom_fields.<key>` is any custom field. */
export const PLACEHOLDERS = ['id', 'reference', 'name', 'summary', 'url', 'status', 'severity', 'type', 'lead', 'state', 'impact', 'urgency'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([a-z_]+(?:\.[^{}]+)?)\}/g;

/** The placeholders a text uses that are not known, e.g. `["nmae"]`. */
export function unknownPlaceholders(text: string): string[] {
  const unknown: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const key = match[1]!;
    if (!(PLACEHOLDERS as readonly string[]).includes(key) && !key.startsWith('custom_fields.')) unknown.push(key);
  }
  return unknown;
}

export function usesPlaceholder(text: string, key: Placeholder): boolean {
  return text.includes(`{${key}}`);
}

/** The incident as the templates see it. */
export type TemplateIncident = IncidentValues & IncidentAttributes & { id: string; reference: string };

/** Fills in `{placeholders}` from the incident; `values` gives the ones computed from the mapping (state, impact, urgency, url). */
export function fillPlaceholders(text: string, incident: TemplateIncident, values: Record<'state' | 'impact' | 'urgency' | 'url', string>): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => {
    if (key.startsWith('custom_fields.')) {
      const value = incident.customFields[key.slice('custom_fields.'.length)];
      return value === undefined ? '' : Array.isArray(value) ? value.join(', ') : value;
    }
    switch (key as Placeholder) {
      case 'id':
        return incident.id;
      case 'reference':
        return incident.reference;
      case 'name':
        return incident.name;
      case 'summary':
        return incident.summary;
      case 'status':
        return incident.status;
      case 'severity':
        return incident.severity;
      case 'type':
        return incident.type ?? '';
      case 'lead':
        return incident.lead ?? '';
      case 'state':
      case 'impact':
      case 'urgency':
      case 'url':
        return values[key as 'state' | 'impact' | 'urgency' | 'url'];
      default:
        return whole;
    }
  });
}

// ── Conditions ───────────────────────────────────────────────────────────────

function hasConditions(template: TicketTemplate): boolean {
  return !!template.conditions && Object.values(template.conditions).some((c) => c !== undefined);
}

/** Whether every condition of the template holds for the incident (each list: any of its values). */
export function conditionsMatch(conditions: TemplateConditions | undefined, incident: IncidentValues & IncidentAttributes): boolean {
  if (!conditions) return true;
  if (conditions.severity && !conditions.severity.includes(incident.severity)) return false;
  if (conditions.status && !conditions.status.includes(incident.status)) return false;
  if (conditions.type && (incident.type === null || !conditions.type.includes(incident.type))) return false;
  if (conditions.private !== undefined && conditions.private !== incident.private) return false;
  for (const [key, accepted] of Object.entries(conditions.custom_fields ?? {})) {
    const value = incident.customFields[key];
    if (value === undefined) return false;
    const options = Array.isArray(value) ? value : [value];
    if (!options.some((option) => accepted.includes(option))) return false;
  }
  return true;
}

export type TicketDecision =
  /** `template` null: the built-in mapping (no templates), which exports every incident. */
  | { export: true; template: TicketTemplate | null }
  | { export: false; reason: string };

/** Which template makes the incident's ticket, or why it gets none. */
export function chooseTemplate(
  templates: readonly TicketTemplate[],
  noMatchTemplate: string | null,
  incident: IncidentValues & IncidentAttributes,
): TicketDecision {
  if (templates.length === 0) return { export: true, template: null };
  let chosen: TicketTemplate | undefined;
  if (!templates.some(hasConditions)) chosen = templates[0];
  else chosen = templates.find((t) => conditionsMatch(t.conditions, incident)) ?? templates.find((t) => t.name === noMatchTemplate);
  if (!chosen) return { export: false, reason: 'no ticket template matches it' };
  if (incident.private && !chosen.allowPrivate) return { export: false, reason: `it is private and the template "${chosen.name}" does not allow private incidents` };
  return { export: true, template: chosen };
}
