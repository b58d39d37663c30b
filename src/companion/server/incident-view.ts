import { visibilityOf, type JournalVisibility, type TimelineUpdate } from '../store/sync-store';
import type { IncidentDetails } from '../sync/incident-service';
import type { IncidentAttachment } from '../store/attachment-store';

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
  /** Kind `attachment`: the file attached in ServiceNow. */
  attachment?: AttachmentView;
}

export interface AttachmentView {
  id: string;
  servicenow_sys_id: string;
  file_name: string;
  size_bytes: number;
  author: string | null;
  /** `stored` (served by url), `too_large`, `not_image` or `gone` (listed with the reason). */
  status: string;
  reason: string | null;
  /** The recognised image type of a stored image, else null. */
  content_type: string | null;
  /** Where the companion serves the bytes (a stored image), else null. */
  url: string | null;
  /** The file in ServiceNow. */
  servicenow_url: string;
  occurred_at: string;
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function attachmentView(incidentId: string, a: IncidentAttachment): AttachmentView {
  return {
    id: a.id,
    servicenow_sys_id: a.attachmentSysId,
    file_name: a.fileName,
    size_bytes: a.sizeBytes,
    author: a.author,
    status: a.status,
    reason: a.reason,
    content_type: a.contentType,
    url: a.status === 'stored' ? `/api/incidents/${encodeURIComponent(incidentId)}/attachments/${encodeURIComponent(a.id)}` : null,
    servicenow_url: a.link,
    occurred_at: a.occurredAt.toISOString(),
  };
}

/** An attachment as a timeline entry: file name, size, author and time, and why it is only listed. */
function attachmentUpdateView(incidentId: string, a: IncidentAttachment): TimelineUpdateView {
  const name = a.fileName || a.attachmentSysId;
  return {
    id: a.id,
    source: 'servicenow',
    kind: 'attachment',
    author: a.author,
    message: `Attached ${name} (${sizeText(a.sizeBytes)})${a.reason ? `: ${a.reason}` : ''}`,
    servicenow_journal_sys_id: null,
    visibility: null,
    occurred_at: a.occurredAt.toISOString(),
    created_at: a.createdAt.toISOString(),
    attachment: attachmentView(incidentId, a),
  };
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
  if (details.updates) {
    const entries = [...details.updates.map(updateView), ...(details.attachments ?? []).map((a) => attachmentUpdateView(incident.id, a))];
    // Stable: updates keep their stored order; an attachment goes after the entries not later than it.
    view.updates = details.attachments?.length ? entries.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => a.occurred_at.localeCompare(b.occurred_at) || i - j).map(([e]) => e) : entries;
  }
  return view;
}
