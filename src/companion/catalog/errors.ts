import { IncidentSnError, describeError } from '../../shared/errors';
import type { CatalogSourceTable } from '../store/catalog-store';
import type { CatalogImportSummary } from './import-catalog';

/**
 * Errors of the catalog import. Each says what to do; those about one table name it; the cause
 * (usually a typed ServiceNow client error) is kept.
 */

const RERUN =
  'Everything stored before this is kept: run incident-sn import-catalog again to continue from where it stopped.';

/** Base of the catalog import's errors. */
export class CatalogImportError extends IncidentSnError {
  /** The table being imported when it happened, if any. */
  readonly table?: CatalogSourceTable;
  /** When importCatalog stopped on this error: what it had done before (tables finished, and this one). */
  summary?: CatalogImportSummary;

  constructor(message: string, options: { code?: string; table?: CatalogSourceTable; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'catalog_import_failed', cause: options.cause });
    if (options.table !== undefined) this.table = options.table;
  }
}

/** No stored connection by that name. */
export class CatalogConnectionNotFoundError extends CatalogImportError {
  readonly connectionName: string;

  constructor(connectionName: string) {
    super(`No connection named "${connectionName}" is stored: run incident-sn connect first.`, { code: 'connection_not_found' });
    this.connectionName = connectionName;
  }
}

/** 403 on a table: the service account lacks the role that lets it read the table. */
export class CatalogAccessError extends CatalogImportError {
  /** The role setup guide step 3 grants for this table. */
  readonly role: string;

  constructor(table: CatalogSourceTable, role: string, cause: unknown) {
    super(
      `The service account may not read ${table} (${describeError(cause)}). It lacks the role ${role}: grant it ` +
        `${role} as setup guide step 3 says (or admin), then run incident-sn import-catalog again.`,
      { code: 'catalog_access_denied', table, cause },
    );
    this.role = role;
  }
}

/** The import of a table stopped on an error from ServiceNow (after the client's own retries). */
export class CatalogTableFailedError extends CatalogImportError {
  constructor(table: CatalogSourceTable, cause: unknown) {
    super(`Importing ${table} stopped: ${describeError(cause)} ${RERUN}`, { code: 'catalog_import_stopped', table, cause });
  }
}

/** The caller cancelled the import (Ctrl-C, shutdown). */
export class CatalogImportInterruptedError extends CatalogImportError {
  constructor(table: CatalogSourceTable | undefined, cause?: unknown) {
    super(`The import was interrupted${table ? ` while reading ${table}` : ''}. ${RERUN}`, {
      code: 'catalog_import_interrupted',
      ...(table !== undefined ? { table } : {}),
      cause,
    });
  }
}

/** The instance's answers cannot be paged through (it ignored the query the pages depend on). */
export class CatalogPagingError extends CatalogImportError {
  constructor(message: string) {
    super(`${message} The import stopped rather than read the same rows forever; please report this.`, { code: 'catalog_paging_failed' });
  }
}

/** An option given to the import is out of range. */
export class CatalogOptionError extends CatalogImportError {
  constructor(message: string) {
    super(message, { code: 'invalid_options' });
  }
}

/** Another process (a replica, or another `import-catalog` run) imports this connection's catalog now. */
export class CatalogImportBusyError extends CatalogImportError {
  readonly holder: { host: string; pid: number };
  readonly since: Date;

  constructor(connectionName: string, holder: { host: string; pid: number }, since: Date, until: Date) {
    super(
      `Another replica is importing the catalog of connection "${connectionName}": process ${holder.pid} on ${holder.host}, ` +
        `since ${since.toISOString()}. One import per connection runs at a time: wait for it to finish, then run incident-sn ` +
        `import-catalog again (it reads only what changed). If that process has stopped, its claim lapses by ${until.toISOString()}.`,
      { code: 'catalog_import_running' },
    );
    this.holder = holder;
    this.since = since;
  }
}

/** This run lost its claim on the import (it could not renew it in time, and another process took it over). */
export class CatalogImportLeaseLostError extends CatalogImportError {
  constructor(connectionName: string, cause?: unknown) {
    super(
      `The import of connection "${connectionName}" stopped: it could not renew its claim in time (the database was slow ` +
        `or unreachable), so another process may be importing now. ${RERUN}`,
      { code: 'catalog_import_lease_lost', cause },
    );
  }
}
