import type { SqliteDatabase } from '../db/database';
import { formatDateTime, newSysId } from './values';

export type SyslogLevel = 'debug' | 'info' | 'warning' | 'error';

/** syslog.level values of the platform. */
const LEVEL_VALUES: Record<SyslogLevel, string> = { debug: '-1', info: '0', warning: '1', error: '2' };

/** Writes `syslog` rows (what gs.info / gs.error and script errors produce). Never throws. */
export class Syslog {
  private readonly insertStmt;

  constructor(
    db: SqliteDatabase,
    private readonly clock: () => number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.insertStmt = db.prepare(`INSERT INTO "syslog" (sys_id, level, message, source, source_application_name, sys_created_on, sys_created_by,
        sys_updated_on, sys_updated_by, sys_mod_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '0')`);
  }

  write(level: SyslogLevel, message: string, source = '', options: { application?: string; userName?: string } = {}): void {
    const now = formatDateTime(this.clock());
    const by = options.userName ?? 'system';
    try {
      this.insertStmt.run(newSysId(), LEVEL_VALUES[level], message, source || null, options.application ?? null, now, by, now, by);
    } catch (err) {
      this.onError(err);
    }
  }
}
