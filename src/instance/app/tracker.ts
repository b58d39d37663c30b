import { definitionsToRows } from '../db/dictionary';
import type { InstanceEngine } from '../records/engine';
import type { TableDefinition } from '../schema/types';

/**
 * The tables behind the install endpoints: `sys_execution_tracker` (what /api/sn_cicd/progress/<id>
 * reports) and `sys_mutex` (what `now-sdk install --reinstall` waits on). Defined the first time an
 * install endpoint is used, so instances that never see now-sdk do not pay for them.
 */

export const TRACKER_STATE = { pending: '0', running: '1', successful: '2', failed: '3', cancelled: '4' } as const;
const STATE_LABELS: Record<string, string> = { '0': 'Pending', '1': 'Running', '2': 'Successful', '3': 'Failed', '4': 'Canceled' };

const TABLES: TableDefinition[] = [
  {
    name: 'sys_execution_tracker',
    label: 'Execution Tracker',
    columns: [
      { name: 'name', label: 'Name', type: 'string', maxLength: 255, display: true },
      {
        name: 'state',
        label: 'State',
        type: 'integer',
        choices: Object.entries(STATE_LABELS).map(([value, label], i) => ({ value, label, sequence: i })),
      },
      { name: 'percent_complete', label: 'Percent complete', type: 'integer' },
      { name: 'message', label: 'Message', type: 'string', maxLength: 4000 },
      { name: 'detail_message', label: 'Detail message', type: 'string', maxLength: 4000 },
      { name: 'result', label: 'Result', type: 'string', maxLength: 4000 },
    ],
  },
  {
    name: 'sys_mutex',
    label: 'Mutex',
    columns: [
      { name: 'name', label: 'Name', type: 'string', maxLength: 100, display: true },
      { name: 'acquired', label: 'Acquired', type: 'glide_date_time' },
      { name: 'acquired_by', label: 'Acquired by', type: 'string', maxLength: 100 },
    ],
  },
];

export function ensureInstallTables(engine: InstanceEngine): void {
  if (TABLES.every((t) => engine.hasTable(t.name))) return;
  engine.transaction(() => {
    const missing = TABLES.filter((t) => !engine.hasTable(t.name));
    const source = definitionsToRows(missing);
    engine.schema.writeDictionaryRows([
      ...source.objects.map((values) => ({ table: 'sys_db_object', sysId: values.sys_id, values })),
      ...source.entries.map((values) => ({ table: 'sys_dictionary', sysId: values.sys_id, values })),
      ...source.choices.map((values) => ({ table: 'sys_choice', sysId: values.sys_id, values })),
    ]);
  });
}

export interface TrackerResult {
  state: string;
  message: string;
  detail?: string;
}

/** Records a finished operation (installs run synchronously: the tracker is final when created). */
export function recordTracker(engine: InstanceEngine, name: string, result: TrackerResult): string {
  ensureInstallTables(engine);
  return engine.insert(
    'sys_execution_tracker',
    {
      name,
      state: result.state,
      percent_complete: result.state === TRACKER_STATE.successful ? '100' : '0',
      message: result.message,
      detail_message: result.detail ?? '',
    },
    { session: engine.systemSession(), runBusinessRules: false },
  ).sysId;
}

/** The body of GET /api/sn_cicd/progress/<id>. */
export function progressBody(engine: InstanceEngine, baseUrl: string, sysId: string): Record<string, unknown> | null {
  ensureInstallTables(engine);
  const tracker = engine.get('sys_execution_tracker', sysId, { session: engine.systemSession() });
  if (!tracker) return null;
  const v = tracker.values;
  const state = v.state || TRACKER_STATE.pending;
  return {
    links: { progress: { id: sysId, url: `${baseUrl}/api/sn_cicd/progress/${sysId}` } },
    status: state,
    status_label: STATE_LABELS[state] ?? state,
    status_message: v.message ?? '',
    status_detail: v.detail_message ?? '',
    error: state === TRACKER_STATE.failed ? (v.message ?? '') : '',
    percent_complete: Number(v.percent_complete || '0'),
  };
}
