/** Files attached to a synced incident in ServiceNow (migration 0013), as the timeline lists them. */

export const ATTACHMENT_STATUSES = ['stored', 'too_large', 'not_image', 'gone'] as const;
export type AttachmentStatus = (typeof ATTACHMENT_STATUSES)[number];

export interface IncidentAttachment {
  id: string;
  incidentId: string;
  attachmentSysId: string;
  fileName: string;
  /** What the uploader declared (never trusted). */
  declaredType: string;
  /** The type the bytes were recognised as (stored images only), else null. */
  contentType: string | null;
  sizeBytes: number;
  author: string | null;
  status: AttachmentStatus;
  /** Why it is not stored, for the timeline. */
  reason: string | null;
  /** The file in ServiceNow (its Attachment API download link). */
  link: string;
  occurredAt: Date;
  createdAt: Date;
}

export interface AttachmentRepository {
  /** Stores one (with its bytes when stored); false when the incident already has this file. */
  insert(attachment: IncidentAttachment, data: Buffer | null): Promise<boolean>;
  has(incidentId: string, attachmentSysId: string): Promise<boolean>;
  listForIncident(incidentId: string): Promise<IncidentAttachment[]>;
  /** The metadata and bytes of one file of an incident (by the companion's id or the attachment sys_id). */
  get(incidentId: string, attachmentId: string): Promise<{ attachment: IncidentAttachment; data: Buffer | null } | undefined>;
}
