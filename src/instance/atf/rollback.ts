import { IncidentSnError } from '../../shared/errors';
import type { InstanceEngine } from '../records/engine';
import type { RecordWrite, WriteObserver } from '../records/hooks';

/**
 * ATF's rollback at the record layer: records every write the engine makes while a test runs (its
 * steps, the business rules they trigger, the REST requests they send), then undoes them newest
 * first through the engine's own insert/update/delete, with business rules off and the system
 * fields restored, so the instance is as it was before the test. Writes of other threads (the
 * scheduler's workers) are not this engine's and are not recorded, as the platform's rollback
 * covers the test's own transaction.
 */
export class WriteRecorder {
  private readonly writes: RecordWrite[] = [];
  private previous: WriteObserver | null = null;
  private recording = false;

  constructor(private readonly engine: InstanceEngine) {}

  start(): void {
    if (this.recording) throw new IncidentSnError('the recorder is already recording', { code: 'atf_rollback_misused' });
    this.recording = true;
    this.previous = this.engine.hooks().writeObserver;
    const chained = this.previous;
    this.engine.setHooks({
      writeObserver: (write) => {
        this.writes.push(write);
        chained?.(write);
      },
    });
  }

  /** Stops recording and returns the writes, oldest first. */
  stop(): RecordWrite[] {
    if (this.recording) this.engine.setHooks({ writeObserver: this.previous });
    this.recording = false;
    return this.writes.splice(0);
  }
}

export interface RollbackResult {
  /** Writes undone. */
  undone: number;
  /** Writes that could not be undone, with why (each is also an error in the caller's output). */
  failures: string[];
}

/** Undoes `writes` (oldest first, as recorded) newest first. Never throws; failures are returned. */
export function rollBack(engine: InstanceEngine, writes: readonly RecordWrite[]): RollbackResult {
  const session = engine.systemSession();
  const result: RollbackResult = { undone: 0, failures: [] };
  for (const write of [...writes].reverse()) {
    try {
      undo(engine, write, session);
      result.undone++;
    } catch (err) {
      result.failures.push(`${write.operation} of ${write.table} ${write.sysId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return result;
}

function undo(engine: InstanceEngine, write: RecordWrite, session: ReturnType<InstanceEngine['systemSession']>): void {
  const quiet = { session, runBusinessRules: false, allowSystemFields: true } as const;
  switch (write.operation) {
    case 'insert':
      if (engine.get(write.table, write.sysId, { session })) engine.delete(write.table, write.sysId, quiet);
      return;
    case 'update': {
      const previous = write.previous ?? {};
      const restore: Record<string, string> = {};
      for (const [field, value] of Object.entries(previous)) {
        if ((write.current[field] ?? '') !== value) restore[field] = value;
      }
      if (Object.keys(restore).length > 0) engine.update(write.table, write.sysId, restore, { ...quiet, suppressAutoSysFields: true });
      return;
    }
    case 'delete': {
      const previous = write.previous ?? write.current;
      engine.insert(write.table, { ...previous }, quiet);
      if ((previous.sys_mod_count ?? '0') !== '0') {
        engine.update(write.table, write.sysId, { sys_mod_count: previous.sys_mod_count }, { ...quiet, suppressAutoSysFields: true });
      }
      return;
    }
  }
}
