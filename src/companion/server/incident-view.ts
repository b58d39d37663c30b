import { visibilityOf, type JournalVisibility, type TimelineUpdate } from '../store/sync-store';
import type { IncidentDetails } from '../sync/incident-service';

/** The incident API's JSON (snake_case, times in ISO 8601 UTC). */

export interface ServiceNowLinkView {
  connection: string | null;
  sys_id: string;
  number: string;
  url: string | null;
  /** The record was deleted in ServiceNow: the incident is no longer synced. */
  deleted: boolean;
}

export interface IncidentView {
  id: string;
  reference: string;
  name: string;
  summary: string;
  status: string;
  severity: string;
  lead: string | null;
  private: boolean;
  type: string | null;
  custom_fields: Record<string, string | string[]>;
  /** Whether the incident has a ServiceNow ticket (false while no ticket template matches it), and the template that made it. */
  ticket: { exported: boolean; template: string | null };
  created_at: string;
  updated_at: string;
  connection: string | null;
  /** The ServiceNow record once it exists (null until the create has been made). */
  servicenow: ServiceNowLinkView | null;
  sync: { pending_writes: number; failed_writes: number };
  updates?: TimelineUpdateView[];
}

export interface TimelineUpdateView {
  id: string;
  source: string;
  kind: string;
  author: string | null;
  message: string;
  servicenow_journal_sys_id: string | null;
  /** `work_note` (internal) or `comment` (customer-visible) in ServiceNow; null for the companion's notices. */
  visibility: JournalVisibility | null;
  occurred_at: string;
  created_at: string;
}

export function updateView(update: TimelineUpdate): TimelineUpdateView {
  return {
    id: update.id,
    source: update.source,
    kind: update.kind,
    author: update.author,
    message: update.message,
    servicenow_journal_sys_id: update.journalSysId,
    visibility: visibilityOf(update),
    occurred_at: update.occurredAt.toISOString(),
    created_at: update.createdAt.toISOString(),
  };
}

export function incidentView(details: IncidentDetails): IncidentView {
  const { incident, link, connection } = details;
  const view: IncidentView = {
    id: incident.id,
    reference: incident.reference,
    name: incident.name,
    summary: incident.summary,
    status: incident.status,
    severity: incident.severity,
    lead: incident.lead,
    private: incident.private,
    type: incident.type,
    custom_fields: incident.customFields,
    ticket: { exported: incident.exported, template: incident.template },
    created_at: incident.createdAt.toISOString(),
    updated_at: incident.updatedAt.toISOString(),
    connection: connection?.name ?? null,
    servicenow: link
      ? {
          connection: connection?.name ?? null,
          sys_id: link.sysId,
          number: link.number,
          url: connection ? `${connection.instanceUrl}/incident.do?sys_id=${link.sysId}` : null,
          deleted: link.state === 'deleted',
        }
      : null,
    sync: { pending_writes: details.pendingWrites, failed_writes: details.deadWrites },
  };
  if (details.updates) view.updates = details.updates.map(updateView);
  return view;
}
