import type { TableClient } from '../client';
import type { Connection } from '../store';
import { impactUrgencyForSeverity, needsResolution, resolutionValues, stateForStatus, type SyncMapping } from './mapping';
import type { ServiceNowLookups } from './servicenow-lookups';
import { chooseTemplate, fillPlaceholders, TEMPLATE_DEFAULT_FIELDS, type FieldValue, type TemplateIncident, type TicketTemplate } from './ticket-templates';

/**
 * The fields of a ServiceNow incident made from a ticket template: incident.io's defaults (state
 * 1, impact 2, urgency 2, the name and summary, the lead), then the mapping's `createFields` and
 * assignment group, then the template's own fields, each with its placeholders filled in and its
 * users and groups looked up. A user or group the instance does not have is left out and said.
 */

export interface TicketBodyContext {
  connection: Connection;
  table: TableClient;
  mapping: SyncMapping;
  lookups: ServiceNowLookups;
  signal?: AbortSignal;
}

type Raw = string | number | boolean;

/** The template the incident's ticket is made from: the one it was exported with, else (the mapping changed since) the one chosen now. */
export function templateOf(mapping: SyncMapping, incident: TemplateIncident & { template: string | null }): TicketTemplate {
  const named = incident.template === null ? undefined : mapping.templates.find((t) => t.name === incident.template);
  if (named) return named;
  const decision = chooseTemplate(mapping.templates, mapping.noMatchTemplate, { ...incident, private: false });
  return (decision.export && decision.template) || { name: '(defaults)', allowPrivate: false, fields: {} };
}

export async function ticketBody(ctx: TicketBodyContext, template: TicketTemplate, incident: TemplateIncident): Promise<{ body: Record<string, Raw>; notices: string[] }> {
  const { mapping } = ctx;
  const { impact, urgency } = impactUrgencyForSeverity(mapping, incident.severity);
  const url = mapping.incidentUrl ? mapping.incidentUrl.replaceAll('{id}', incident.id).replaceAll('{reference}', incident.reference) : '';
  const computed = { state: stateForStatus(mapping, incident.status), impact, urgency, url };
  const fill = (text: string): string => fillPlaceholders(text, incident, computed);

  const specs: Record<string, FieldValue> = {
    ...TEMPLATE_DEFAULT_FIELDS,
    ...mapping.createFields,
    ...(mapping.assignmentGroup ? { assignment_group: { group: mapping.assignmentGroup } } : {}),
    ...template.fields,
  };
  const body: Record<string, Raw> = {};
  const notices: string[] = [];
  for (const [field, spec] of Object.entries(specs)) {
    const where = `${field} of the template "${template.name}"`;
    if (typeof spec === 'string') body[field] = fill(spec);
    else if (typeof spec !== 'object') body[field] = spec;
    else if ('user' in spec) {
      const email = fill(spec.user).trim();
      if (!email) continue;
      const sysId = await ctx.lookups.userByEmail(ctx.connection, ctx.table, email, ctx.signal);
      if (sysId) body[field] = sysId;
      else notices.push(`${email} has no active ServiceNow user with that email on "${ctx.connection.name}", so ${where} is left empty.`);
    } else if ('group' in spec) {
      const name = fill(spec.group).trim();
      if (!name) continue;
      const sysId = await ctx.lookups.groupByName(ctx.connection, ctx.table, name, ctx.signal);
      if (sysId) body[field] = sysId;
      else notices.push(`The group "${name}" does not exist on "${ctx.connection.name}", so ${where} is left empty.`);
    } else {
      const value = spec.values[fill(spec.map)] ?? spec.default;
      if (value !== undefined) body[field] = typeof value === 'string' ? fill(value) : value;
    }
  }
  const state = String(body.state ?? '');
  if (needsResolution(mapping, state)) {
    const resolution = resolutionValues(mapping, incident);
    body.close_code ??= resolution.close_code;
    body.close_notes ??= resolution.close_notes;
  }
  return { body, notices };
}
