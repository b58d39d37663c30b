import type { FollowUpDetails } from '../sync/follow-up-service';

/** A follow-up as the incident API shows it. */
export interface FollowUpView {
  id: string;
  incident_id: string;
  title: string;
  description: string;
  assignee: string | null;
  /** `outstanding`, `completed` or `not_doing` (from the ServiceNow record's state once it changes there). */
  status: string;
  /** The ServiceNow record once it exists. */
  servicenow: { table: string; sys_id: string; number: string; state: string } | null;
  sync: { pending_writes: number; failed_writes: number };
  created_at: string;
  updated_at: string;
}

export function followUpView(details: FollowUpDetails): FollowUpView {
  const { followUp } = details;
  const record = followUp.record;
  return {
    id: followUp.id,
    incident_id: followUp.incidentId,
    title: followUp.title,
    description: followUp.description,
    assignee: followUp.assignee,
    status: followUp.status,
    servicenow: record ? { table: record.table, sys_id: record.sysId, number: record.number, state: record.state } : null,
    sync: { pending_writes: details.pendingWrites, failed_writes: details.deadWrites },
    created_at: followUp.createdAt.toISOString(),
    updated_at: followUp.updatedAt.toISOString(),
  };
}
