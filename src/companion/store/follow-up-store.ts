/**
 * Follow-ups (incident.io's side) and the ServiceNow record each becomes: part of the sync store,
 * written in the same transactions as the writes they queue (docs/sync.md, "Follow-ups").
 */

export const FOLLOW_UP_STATUSES = ['outstanding', 'completed', 'not_doing'] as const;
export type FollowUpStatus = (typeof FOLLOW_UP_STATUSES)[number];

/** The ServiceNow record a follow-up became. */
export interface FollowUpRecord {
  table: string;
  sysId: string;
  number: string;
  state: string;
  /** The last version applied or written (sys_mod_count). */
  modCount: number;
}

export interface FollowUp {
  id: string;
  incidentId: string;
  connectionId: string | null;
  title: string;
  description: string;
  assignee: string | null;
  status: FollowUpStatus;
  /** Null until the ServiceNow record exists. */
  record: FollowUpRecord | null;
  /** Bumped by every change (optimistic concurrency). */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type FollowUpValues = Pick<FollowUp, 'title' | 'description' | 'assignee' | 'status'>;

export interface FollowUpRepository {
  insert(followUp: Omit<FollowUp, 'record' | 'version'>): Promise<FollowUp>;
  get(id: string): Promise<FollowUp | undefined>;
  listForIncident(incidentId: string): Promise<FollowUp[]>;
  /** By the ServiceNow record it became. */
  getBySysId(connectionId: string, sysId: string): Promise<FollowUp | undefined>;
  /** Changes values if the follow-up is still at `expectedVersion`; false otherwise. */
  update(id: string, expectedVersion: number, changes: Partial<FollowUpValues>, at: Date): Promise<boolean>;
  /** Records the ServiceNow record (after its create) or its latest version. */
  setRecord(id: string, record: FollowUpRecord, at: Date): Promise<void>;
}
