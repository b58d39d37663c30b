import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../../db/database';

/** Attachment bytes, one row per sys_attachment record, in the internal `_attachment_content` table. */
export class AttachmentContent {
  private readonly putStmt: Statement<[string, Buffer]>;
  private readonly getStmt: Statement<[string], { data: Buffer }>;
  private readonly deleteStmt: Statement<[string]>;

  constructor(db: SqliteDatabase) {
    this.putStmt = db.prepare('INSERT INTO _attachment_content (sys_id, data) VALUES (?, ?) ON CONFLICT(sys_id) DO UPDATE SET data = excluded.data');
    this.getStmt = db.prepare('SELECT data FROM _attachment_content WHERE sys_id = ?');
    this.deleteStmt = db.prepare('DELETE FROM _attachment_content WHERE sys_id = ?');
  }

  put(sysId: string, data: Buffer): void {
    this.putStmt.run(sysId, data);
  }

  get(sysId: string): Buffer | null {
    return this.getStmt.get(sysId)?.data ?? null;
  }

  delete(sysId: string): void {
    this.deleteStmt.run(sysId);
  }
}
