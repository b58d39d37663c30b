import { createHash } from 'node:crypto';
import { AclDeniedError, InvalidRequestError, RecordNotFoundError, UnknownTableError } from '../errors';
import type { InstanceEngine } from './engine';
import type { RecordSnapshot } from './hooks';
import type { Session } from './session';

export const ATTACHMENT_TABLE = 'sys_attachment';
const ORDER = 'ORDERBYsys_created_on';

export interface NewAttachment {
  tableName: string;
  tableSysId: string;
  fileName: string;
  contentType: string;
  data: Buffer;
}

/**
 * Attachments as the Attachment API sees them: a sys_attachment record plus its bytes. Who may do
 * what follows the record the file is attached to, not sys_attachment's own ACLs: reading needs
 * read access to that record, attaching and deleting need write access to it (the Attachment API
 * documentation: "roles required to read and write records on the target table").
 */
export class Attachments {
  constructor(private readonly engine: InstanceEngine) {}

  attach(input: NewAttachment, session: Session): RecordSnapshot {
    const { engine } = this;
    if (!engine.hasTable(input.tableName) || input.tableName === ATTACHMENT_TABLE) throw new UnknownTableError(input.tableName);
    if (input.fileName.trim() === '') throw new InvalidRequestError('Missing parameter: file_name', 'Give the attachment a file name (file_name, or the file part of a multipart upload)');
    this.requireParentAccess(input.tableName, input.tableSysId, 'write', session);
    return engine.transaction(() => {
      const record = engine.insert(
        ATTACHMENT_TABLE,
        {
          file_name: input.fileName,
          table_name: input.tableName,
          table_sys_id: input.tableSysId,
          content_type: input.contentType,
          size_bytes: String(input.data.length),
          size_compressed: String(input.data.length),
          compressed: 'false',
          hash: createHash('sha256').update(input.data).digest('hex'),
          state: 'available',
          chunk_size_bytes: '700000',
        },
        { session },
      );
      engine.attachmentContent.put(record.sysId, input.data);
      return record;
    });
  }

  /** The attachment's record if its parent record is readable by the user; null otherwise. */
  get(sysId: string, session: Session): RecordSnapshot | null {
    const record = this.engine.get(ATTACHMENT_TABLE, sysId);
    if (!record || !this.parentAllows(record, 'read', session)) return null;
    return record;
  }

  /** Attachments matching an encoded query, leaving out those whose parent the user may not read. */
  list(query: string, limit: number, offset: number, session: Session): RecordSnapshot[] {
    const readable: RecordSnapshot[] = [];
    const all = this.engine.query(ATTACHMENT_TABLE, { query: query.trim() === '' ? ORDER : `${query}^${ORDER}` });
    for (const record of all.records) {
      if (this.parentAllows(record, 'read', session)) readable.push(record);
    }
    return readable.slice(offset, offset + limit);
  }

  content(sysId: string): Buffer {
    return this.engine.attachmentContent.get(sysId) ?? Buffer.alloc(0);
  }

  remove(sysId: string, session: Session): void {
    const record = this.get(sysId, session);
    if (!record) throw new RecordNotFoundError(ATTACHMENT_TABLE, sysId);
    this.requireParentAccess(record.values.table_name, record.values.table_sys_id, 'write', session);
    this.engine.transaction(() => {
      this.engine.delete(ATTACHMENT_TABLE, sysId, { session });
      this.engine.attachmentContent.delete(sysId);
    });
  }

  private parentAllows(record: RecordSnapshot, operation: 'read' | 'write', session: Session): boolean {
    try {
      this.requireParentAccess(record.values.table_name, record.values.table_sys_id, operation, session);
      return true;
    } catch (err) {
      if (err instanceof RecordNotFoundError || err instanceof AclDeniedError || err instanceof UnknownTableError) return false;
      throw err;
    }
  }

  private requireParentAccess(table: string, sysId: string, operation: 'read' | 'write', session: Session): void {
    const { engine } = this;
    if (!engine.hasTable(table)) throw new UnknownTableError(table);
    const parent = engine.get(table, sysId, { session, enforceAcl: true });
    if (!parent) throw new RecordNotFoundError(table, sysId);
    if (operation === 'write' && !session.isSystem) {
      const meta = engine.tableMeta(table);
      if (!engine.acl.checkTable('write', meta, session, { table: meta, values: parent.values })) throw new AclDeniedError('write', table);
    }
  }
}
