import { describeError, IncidentSnError } from '../../shared/errors';
import type { ServiceNowConnectionOptions } from '../client';
import { EXIT, type CommandIo, type CommandOutcome } from '../commands/command-io';
import { CommandOptionsError, connectionNameOf, storeOptionsOf } from '../commands/options';
import { printCommandError, printJson } from '../commands/output';
import { loadConnection } from '../doctor/load-connection';
import { openStore } from '../store';
import { openCatalogClient, type CatalogClient } from './catalog-client';
import { CatalogImportBusyError, CatalogImportError } from './errors';
import { withImportLease } from './import-lease';
import { importCatalog, type CatalogImportSummary } from './import-catalog';
import { barProgress, formatSummary, lineProgress, summaryJson, type ProgressReporter } from './progress';

/**
 * `incident-sn import-catalog [--name] [--db] [--full] [--json]`: imports the stored connection's
 * catalog. Exit status 0 when every table was imported, 1 when a table was refused or the import
 * stopped (what was stored is kept), 2 when it could not start (no connection, bad options, another
 * replica importing the same connection).
 */

export interface ImportCatalogFlags {
  name?: string;
  db?: string;
  databaseUrl?: string;
  full?: boolean;
  json?: boolean;
}

export interface ImportCatalogDeps {
  connectionOptions?: Partial<ServiceNowConnectionOptions>;
  /** A terminal to draw progress bars on. Without one, progress is plain lines on stdout. */
  terminal?: NodeJS.WritableStream;
  signal?: AbortSignal;
  pageSize?: number;
  overlapSeconds?: number;
  rowsPerCommit?: number;
}

function reporterFor(flags: ImportCatalogFlags, io: CommandIo, deps: ImportCatalogDeps): ProgressReporter | null {
  if (flags.json) return null;
  return deps.terminal ? barProgress(deps.terminal) : lineProgress((text) => io.stdout(text));
}

function printFailures(io: CommandIo, summary: CatalogImportSummary): void {
  for (const table of summary.tables) {
    if (table.error) io.stderr(`✘ ${table.error.message}\n`);
  }
}

export async function runImportCatalog(
  flags: ImportCatalogFlags,
  io: CommandIo,
  deps: ImportCatalogDeps = {},
): Promise<CommandOutcome<CatalogImportSummary | null>> {
  const json = flags.json === true;
  let name: string | undefined;
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    name = connectionNameOf(flags.name);
    // Its own connection, whose commits may be relaxed: a page lost to a power loss is lost with its
    // cursor, and read again by the next run (see CommitDurability). Every other store stays `full`.
    store = await openStore({ ...storeOptionsOf(flags, io.env), commitDurability: 'relaxed' });
  } catch (err) {
    printCommandError(io, err, json);
    return { exitCode: EXIT.usage, results: null };
  }

  let client: CatalogClient | undefined;
  let reporter: ProgressReporter | null = null;
  try {
    const connection = await loadConnection(store, name);
    client = openCatalogClient(connection, deps.connectionOptions);
    reporter = reporterFor(flags, io, deps);
    const catalogClient = client;
    // One import per connection at a time, whichever replica runs it.
    const summary = await withImportLease({ catalog: store.catalog, connection, ...(deps.signal ? { signal: deps.signal } : {}) }, (signal) =>
      importCatalog({
        store,
        client: catalogClient.table,
        connectionName: connection.name,
        full: flags.full === true,
        ...(reporter ? { onProgress: (event) => reporter!.onProgress(event) } : {}),
        signal,
        ...(deps.pageSize !== undefined ? { pageSize: deps.pageSize } : {}),
        ...(deps.overlapSeconds !== undefined ? { overlapSeconds: deps.overlapSeconds } : {}),
        ...(deps.rowsPerCommit !== undefined ? { rowsPerCommit: deps.rowsPerCommit } : {}),
      }),
    );
    reporter?.stop();
    if (json) printJson(io, summaryJson(summary));
    else {
      io.stdout(formatSummary(summary));
      printFailures(io, summary);
    }
    return { exitCode: summary.ok ? EXIT.ok : EXIT.failed, results: summary };
  } catch (err) {
    reporter?.stop();
    const summary = err instanceof CatalogImportError ? err.summary : undefined;
    if (json) {
      const code = err instanceof IncidentSnError ? err.code : 'unexpected_error';
      printJson(io, { error: { code, message: describeError(err) }, ...(summary ? { summary: summaryJson(summary) } : {}) });
    } else if (summary) {
      io.stdout(formatSummary(summary));
      printFailures(io, summary);
    } else {
      printCommandError(io, err, false);
    }
    const couldNotStart = err instanceof CommandOptionsError || err instanceof CatalogImportBusyError;
    return { exitCode: couldNotStart ? EXIT.usage : EXIT.failed, results: summary ?? null };
  } finally {
    await client?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  }
}
