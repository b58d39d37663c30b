import { Format, MultiBar, Presets, type GenericFormatter, type SingleBar } from 'cli-progress';
import type { CatalogSourceTable } from '../store/catalog-store';
import type { CatalogImportSummary, CatalogProgressEvent, CatalogTableResult } from './import-catalog';

/**
 * How import-catalog shows its progress: a bar per table on a terminal (cli-progress), one plain
 * line per stored page otherwise, and the summary table at the end.
 */

export interface ProgressReporter {
  onProgress(event: CatalogProgressEvent): void;
  /** Finishes the output (bars drawn for the last time). Idempotent. */
  stop(): void;
}

const TABLE_WIDTH = 'sys_user_grmember'.length;

function sinceText(since: string | null): string {
  return since === null ? 'every row' : `rows changed since ${since} UTC`;
}

/** One line per event: for logs, pipes and CI. */
export function lineProgress(write: (text: string) => void): ProgressReporter {
  return {
    onProgress(event) {
      switch (event.type) {
        case 'table-started':
          write(`${event.table}: reading ${sinceText(event.since)}${event.total !== null ? ` (${event.total} to read)` : ''}\n`);
          break;
        case 'page-stored':
          write(`${event.table}: ${event.fetched} fetched, ${event.stored} stored\n`);
          break;
        case 'table-finished':
          write(`✔ ${event.table}: ${resultText(event.result)}\n`);
          break;
        case 'table-failed':
          // The message itself is printed once, after the summary.
          write(`✘ ${event.table}: stopped (${event.error.code})\n`);
          break;
      }
    },
    stop() {},
  };
}

interface BarPayload {
  table: string;
  stored: number;
  /** Null while ServiceNow has not said how many rows there are: the bar then only counts. */
  total: number | null;
  state: string;
}

const formatBarLine: GenericFormatter = (options, params, payload: BarPayload) => {
  const head = payload.table.padEnd(TABLE_WIDTH);
  const counts = `${params.value} fetched, ${payload.stored} stored${payload.state}`;
  if (payload.total === null) return `${head} ${counts}`;
  return `${head} ${Format.BarFormat(params.progress, options)} ${params.value}/${params.total} · ${counts}`;
};

/** A bar per table on a terminal stream. */
export function barProgress(stream: NodeJS.WritableStream): ProgressReporter {
  const bars = new MultiBar(
    {
      stream,
      format: formatBarLine,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      gracefulExit: false,
      barsize: 30,
    },
    Presets.shades_classic,
  );
  const byTable = new Map<CatalogSourceTable, { bar: SingleBar; payload: BarPayload }>();
  let stopped = false;

  const barFor = (table: CatalogSourceTable, total: number | null): { bar: SingleBar; payload: BarPayload } => {
    let entry = byTable.get(table);
    if (!entry) {
      const payload: BarPayload = { table, stored: 0, total, state: '' };
      entry = { bar: bars.create(total ?? 0, 0, payload), payload };
      byTable.set(table, entry);
    }
    return entry;
  };

  return {
    onProgress(event) {
      if (stopped) return;
      switch (event.type) {
        case 'table-started':
          barFor(event.table, event.total);
          break;
        case 'page-stored': {
          const { bar, payload } = barFor(event.table, event.total);
          payload.stored = event.stored;
          // More rows than counted: some changed while we read (or ACLs hid rows from the count).
          if (payload.total !== null && event.fetched > payload.total) {
            payload.total = event.fetched;
            bar.setTotal(event.fetched);
          }
          bar.update(event.fetched, payload);
          break;
        }
        case 'table-finished': {
          const { bar, payload } = barFor(event.table, event.result.fetched);
          payload.state = ` · ✔ ${event.result.inserted} new, ${event.result.updated} updated, ${event.result.deleted} deleted`;
          if (payload.total === null) payload.total = event.result.fetched;
          bar.setTotal(Math.max(payload.total, event.result.fetched));
          bar.update(event.result.fetched, payload);
          break;
        }
        case 'table-failed': {
          const { bar, payload } = barFor(event.table, null);
          payload.state = ` · ✘ ${event.error.code}`;
          bar.update(payload);
          break;
        }
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bars.stop();
    },
  };
}

function resultText(result: CatalogTableResult): string {
  return (
    `${result.fetched} fetched: ${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged, ` +
    `${result.deleted} deleted (${seconds(result.durationMs)})`
  );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The summary printed at the end: a row per table, then the time taken. */
export function formatSummary(summary: CatalogImportSummary): string {
  const header = ['table', 'fetched', 'inserted', 'updated', 'unchanged', 'deleted', 'status'];
  const rows = summary.tables.map((t) => [
    t.table,
    String(t.fetched),
    String(t.inserted),
    String(t.updated),
    String(t.unchanged),
    String(t.deleted),
    t.status === 'ok' ? 'ok' : `failed (${t.error?.code ?? 'error'})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const title =
    `${summary.ok ? 'Catalog imported' : 'Catalog import incomplete'} for "${summary.connection}" ` +
    `(${summary.mode}) in ${seconds(summary.durationMs)}:`;
  return [title, `  ${line(header)}`, ...rows.map((r) => `  ${line(r)}`)].join('\n') + '\n';
}

/** The summary as JSON: dates as ISO strings. */
export function summaryJson(summary: CatalogImportSummary): Record<string, unknown> {
  return {
    connection: summary.connection,
    mode: summary.mode,
    ok: summary.ok,
    startedAt: summary.startedAt.toISOString(),
    durationMs: summary.durationMs,
    tables: summary.tables,
  };
}
