import type { ColumnMeta, Dictionary, TableMeta } from '../db/dictionary';
import type { RowStore } from './store/row-store';
import type { RecordReader } from './reader';
import { formatIntegerDisplay } from './values';

/**
 * Display values, as the platform shows them: a reference's display is its record's display column,
 * a choice its label, an integer with thousands separators, a journal field its entries newest first.
 */
export class DisplayValues {
  private readonly userNames = new Map<string, string>();

  constructor(
    private readonly dictionary: Dictionary,
    private readonly reader: RecordReader,
    private readonly store: RowStore,
  ) {}

  /** The display value of the record `sysId` of `table` (its display column, itself displayed). */
  recordDisplay(table: string, sysId: string, depth = 0): string {
    if (!sysId) return '';
    const meta = this.dictionary.table(table);
    const row = this.reader.record(table, sysId);
    if (!meta || !row) return '';
    const column = meta.columns.get(meta.displayColumn);
    const value = row[meta.displayColumn] ?? '';
    if (column && column.type === 'reference' && column.reference && depth < 3) return this.recordDisplay(column.reference, value, depth + 1);
    return value;
  }

  /**
   * The display value of one column of a record. Returns null for an empty value of a column with
   * choices (the Table API sends `null` there).
   */
  columnDisplay(table: TableMeta, column: ColumnMeta, value: string, recordSysId: string): string | null {
    if (column.type === 'journal_input' || column.type === 'journal') return this.journalDisplay(recordSysId, column.name, column.label);
    if (column.type === 'journal_list') return this.journalListDisplay(table, recordSysId);
    if (column.type === 'reference' && column.reference) return this.recordDisplay(column.reference, value);
    if (this.dictionary.hasChoices(table.name, column.name)) {
      if (value === '') return null;
      return this.dictionary.choiceLabel(table.name, column.name, value) ?? value;
    }
    // Neither a hash nor an encrypted value is shown (the platform documents no display value for them).
    if (column.type === 'password' || column.type === 'password2') return '';
    if (column.type === 'sys_class_name') return this.dictionary.table(value)?.label ?? value;
    if (column.type === 'integer' && value !== '') return formatIntegerDisplay(value);
    return value;
  }

  /** Journal entries of a field, newest first: `<date> - <user name> (<field label>)\n<text>\n\n`. */
  journalDisplay(sysId: string, element: string, label: string): string {
    if (!sysId) return '';
    const rows = this.store
      .prepare(
        `SELECT value, sys_created_on AS at, sys_created_by AS by FROM "sys_journal_field" WHERE element_id = ? AND element = ?
         ORDER BY sys_created_on DESC, rowid DESC`,
      )
      .all(sysId, element) as Array<{ value: string | null; at: string | null; by: string | null }>;
    return rows.map((r) => `${r.at ?? ''} - ${this.userDisplayName(r.by ?? '')} (${label})\n${r.value ?? ''}\n\n`).join('');
  }

  /** `comments_and_work_notes`: the entries of every journal input field of the record, newest first. */
  journalListDisplay(table: TableMeta, sysId: string): string {
    if (!sysId) return '';
    const labels = new Map([...table.columns.values()].filter((c) => c.type === 'journal_input').map((c) => [c.name, c.label]));
    if (labels.size === 0) return '';
    const rows = this.store
      .prepare(
        `SELECT element, value, sys_created_on AS at, sys_created_by AS by FROM "sys_journal_field" WHERE element_id = ?
         ORDER BY sys_created_on DESC, rowid DESC`,
      )
      .all(sysId) as Array<{ element: string; value: string | null; at: string | null; by: string | null }>;
    return rows
      .filter((r) => labels.has(r.element))
      .map((r) => `${r.at ?? ''} - ${this.userDisplayName(r.by ?? '')} (${labels.get(r.element)})\n${r.value ?? ''}\n\n`)
      .join('');
  }

  private userDisplayName(userName: string): string {
    const cached = this.userNames.get(userName);
    if (cached !== undefined) return cached;
    const row = this.store.prepare(`SELECT name FROM "sys_user" WHERE user_name = ? LIMIT 1`).get(userName) as { name: string | null } | undefined;
    const name = row?.name || userName;
    this.userNames.set(userName, name);
    return name;
  }
}
