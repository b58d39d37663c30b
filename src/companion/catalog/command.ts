import type { Command } from 'commander';
import type { CommandIo } from '../commands/command-io';
import { envAction } from '../commands/env-options';
import { connectOption, databaseUrlOption } from '../commands/options';
import { DEFAULT_DB_FILE } from '../store';
import { tuneHeapForImport } from './import-heap';
import { runImportCatalog, type ImportCatalogFlags } from './run-import-catalog';

/** Registers `incident-sn import-catalog`. Ctrl-C stops it cleanly: what was stored is kept. */
export function registerImportCatalogCommand(program: Command, io: () => CommandIo): void {
  program
    .command('import-catalog')
    .description(
      "Import the connection's CMDB (CIs of every class, services), users, groups and memberships into the companion's " +
        'catalog. A re-run reads only what changed; --full reads everything and marks what is gone as deleted. ' +
        'One import per connection runs at a time across replicas. Exit status: 0 imported, 1 a table was refused or the import ' +
        'stopped (run it again to continue), 2 could not run (or another replica is importing that connection).',
    )
    .addOption(connectOption('name', '<name>', ': required when more than one is stored'))
    .addOption(connectOption('db', '<file>', ` (default ${DEFAULT_DB_FILE})`))
    .addOption(databaseUrlOption())
    .option('--full', 'read every row again and mark rows no longer on the instance as deleted')
    .option('--json', 'print only a JSON summary at the end')
    .action(
      envAction<ImportCatalogFlags>(io, async (flags, commandIo) => {
        // This process does nothing but the import: its heap may trade a little speed for size.
        tuneHeapForImport();
        const abort = new AbortController();
        const interrupt = (): void => abort.abort(new Error('interrupted'));
        process.once('SIGINT', interrupt);
        process.once('SIGTERM', interrupt);
        try {
          const terminal = !flags.json && process.stderr.isTTY ? process.stderr : undefined;
          const outcome = await runImportCatalog(flags, commandIo, {
            signal: abort.signal,
            ...(terminal ? { terminal } : {}),
          });
          process.exitCode = outcome.exitCode;
        } finally {
          process.removeListener('SIGINT', interrupt);
          process.removeListener('SIGTERM', interrupt);
        }
      }),
    );
}
