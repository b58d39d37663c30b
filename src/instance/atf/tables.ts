import { METADATA_COLUMNS } from '../schema/system-columns';
import type { ColumnDefinition, TableDefinition } from '../schema/types';

/**
 * The Automated Test Framework's tables, as far as an app's tests and their results need them: the
 * tests and steps a `now-sdk build` writes (sys_atf_test, sys_atf_step with its inputs in
 * sys_variable_value, keyed by the platform's input variable sys_ids), the results the runner
 * records, and the basic auth profiles an inbound REST step authenticates with. Part of the base
 * schema (src/instance/schema/base-tables.ts), so an app's tests install with the app.
 */

const str = (name: string, label: string, maxLength = 255, extra: Partial<ColumnDefinition> = {}): ColumnDefinition => ({ name, label, type: 'string', maxLength, ...extra });
const ref = (name: string, label: string, reference: string): ColumnDefinition => ({ name, label, type: 'reference', reference });
const bool = (name: string, label: string, defaultValue: boolean): ColumnDefinition => ({ name, label, type: 'boolean', defaultValue: String(defaultValue) });
const when = (name: string, label: string): ColumnDefinition => ({ name, label, type: 'glide_date_time' });

/** sys_atf_test_result.status and sys_atf_test_result_step.status values. */
export const ATF_STATUS = { success: 'success', failure: 'failure' } as const;
const STATUS_CHOICES = [
  { value: ATF_STATUS.success, label: 'Success', sequence: 1 },
  { value: ATF_STATUS.failure, label: 'Failure', sequence: 2 },
];

export const ATF_TABLES: readonly TableDefinition[] = [
  {
    name: 'sys_atf_test',
    label: 'Test',
    columns: [
      str('name', 'Name', 255, { display: true }),
      str('description', 'Description', 4000),
      bool('active', 'Active', true),
      bool('fail_on_server_error', 'Fail on server error', true),
      ...METADATA_COLUMNS,
    ],
  },
  {
    name: 'sys_atf_step',
    label: 'Test Step',
    columns: [
      ref('test', 'Test', 'sys_atf_test'),
      { name: 'order', label: 'Execution order', type: 'integer' },
      // A reference to sys_atf_step_config on the platform; the step configs are the platform's own
      // (src/instance/atf/step-configs.ts), so here it is their sys_id.
      str('step_config', 'Step config', 32),
      str('display_name', 'Display name'),
      str('description', 'Description', 4000),
      str('notes', 'Notes', 4000),
      { name: 'table', label: 'Table', type: 'table_name', maxLength: 80 },
      str('timeout', 'Timeout', 40),
      str('warning_message', 'Warning message', 4000),
      bool('active', 'Active', true),
      ...METADATA_COLUMNS,
    ],
    indexes: [['test', 'order']],
  },
  {
    name: 'sys_variable_value',
    label: 'Variable Value',
    columns: [
      { name: 'document', label: 'Document', type: 'table_name', maxLength: 80 },
      str('document_key', 'Document key', 32),
      str('variable', 'Variable', 32),
      { name: 'value', label: 'Value', type: 'string', maxLength: 65000 },
      { name: 'order', label: 'Order', type: 'integer' },
    ],
    indexes: [['document', 'document_key']],
  },
  {
    name: 'sys_atf_test_result',
    label: 'Test Result',
    columns: [
      ref('test', 'Test', 'sys_atf_test'),
      str('test_name', 'Test name', 255, { display: true }),
      { name: 'status', label: 'Status', type: 'choice', maxLength: 40, choices: STATUS_CHOICES },
      when('start_time', 'Start time'),
      when('end_time', 'End time'),
      { name: 'run_time_ms', label: 'Run time (ms)', type: 'integer' },
      ref('first_failing_step', 'First failing step', 'sys_atf_step'),
      str('output', 'Output', 65000),
      { name: 'rolled_back', label: 'Records rolled back', type: 'integer' },
    ],
  },
  {
    name: 'sys_atf_test_result_step',
    label: 'Test Result Step',
    columns: [
      ref('test_result', 'Test result', 'sys_atf_test_result'),
      ref('step', 'Step', 'sys_atf_step'),
      { name: 'order', label: 'Execution order', type: 'integer' },
      str('description', 'Description', 255, { display: true }),
      { name: 'status', label: 'Status', type: 'choice', maxLength: 40, choices: STATUS_CHOICES },
      str('output', 'Output', 65000),
      when('start_time', 'Start time'),
    ],
    indexes: [['test_result', 'order']],
  },
  {
    name: 'sys_auth_profile_basic',
    label: 'Basic Auth Configuration',
    columns: [
      str('name', 'Name', 255, { display: true }),
      str('username', 'Username'),
      { name: 'password', label: 'Password', type: 'password2', maxLength: 255 },
    ],
  },
];
