import type { Kysely, Selectable, Transaction } from 'kysely';
import { ATTACHMENT_STATUSES, type AttachmentRepository, type AttachmentStatus, type IncidentAttachment } from './attachment-store';
import { StoredDataError } from './errors';
import type { CompanionDatabase } from './schema';
import type { SyncAttachmentsTable } from './sync-schema';

type Db = Kysely<CompanionDatabase> | Transaction<CompanionDatabase>;

const METADATA = [
  'id',
  'incident_id',
  'attachment_sys_id',
  'file_name',
  'declared_type',
  'content_type',
  'size_bytes',
  'author',
  'status',
  'reason',
  'link',
  'occurred_at',
  'created_at',
] as const;

function toAttachment(row: Omit<Selectable<SyncAttachmentsTable>, 'data'>): IncidentAttachment {
  if (!(ATTACHMENT_STATUSES as readonly string[]).includes(row.status)) {
    throw new StoredDataError('sync_attachments', row.id, 'status', `"${row.status}" is not one of ${ATTACHMENT_STATUSES.join(', ')}`);
  }
  return {
    id: row.id,
    incidentId: row.incident_id,
    attachmentSysId: row.attachment_sys_id,
    fileName: row.file_name,
    declaredType: row.declared_type,
    contentType: row.content_type,
    sizeBytes: Number(row.size_bytes),
    author: row.author,
    status: row.status as AttachmentStatus,
    reason: row.reason,
    link: row.link,
    occurredAt: new Date(row.occurred_at),
    createdAt: new Date(row.created_at),
  };
}

export class KyselyAttachmentRepository implements AttachmentRepository {
  constructor(private readonly db: Db) {}

  async insert(a: IncidentAttachment, data: Buffer | null): Promise<boolean> {
    const result = await this.db
      .insertInto('sync_attachments')
      .values({
        id: a.id,
        incident_id: a.incidentId,
        attachment_sys_id: a.attachmentSysId,
        file_name: a.fileName,
        declared_type: a.declaredType,
        content_type: a.contentType,
        size_bytes: a.sizeBytes,
        author: a.author,
        status: a.status,
        reason: a.reason,
        link: a.link,
        data,
        occurred_at: a.occurredAt.toISOString(),
        created_at: a.createdAt.toISOString(),
      })
      .onConflict((oc) => oc.columns(['incident_id', 'attachment_sys_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async has(incidentId: string, attachmentSysId: string): Promise<boolean> {
    const row = await this.db.selectFrom('sync_attachments').select('id').where('incident_id', '=', incidentId).where('attachment_sys_id', '=', attachmentSysId).executeTakeFirst();
    return row !== undefined;
  }

  async listForIncident(incidentId: string): Promise<IncidentAttachment[]> {
    const rows = await this.db.selectFrom('sync_attachments').select(METADATA).where('incident_id', '=', incidentId).orderBy('occurred_at').orderBy('id').execute();
    return rows.map(toAttachment);
  }

  async get(incidentId: string, attachmentId: string): Promise<{ attachment: IncidentAttachment; data: Buffer | null } | undefined> {
    const row = await this.db
      .selectFrom('sync_attachments')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .where((eb) => eb.or([eb('id', '=', attachmentId), eb('attachment_sys_id', '=', attachmentId)]))
      .executeTakeFirst();
    if (!row) return undefined;
    const { data, ...metadata } = row;
    return { attachment: toAttachment(metadata), data: data === null ? null : Buffer.from(data) };
  }
}
