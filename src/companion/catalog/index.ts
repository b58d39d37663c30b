/**
 * The catalog import: `importCatalog()` for code (serve runs it), `runImportCatalog()` for the CLI.
 * The imported catalog is read through `store.catalog` (see store/catalog-store.ts).
 */
export {
  importCatalog,
  DEFAULT_CATALOG_PAGE_SIZE,
  DEFAULT_ROWS_PER_COMMIT,
  DEFAULT_MAX_ROWS_PER_COMMIT,
  DEFAULT_MAX_COMMIT_HOLD_MS,
  type CatalogImportMode,
  type CatalogImportSummary,
  type CatalogProgressEvent,
  type CatalogTableResult,
  type ImportCatalogOptions,
} from './import-catalog';
export { openCatalogClient, IMPORT_CONNECTION_DEFAULTS, type CatalogClient } from './catalog-client';
export { DEFAULT_OVERLAP_SECONDS } from './paging';
export { withImportLease, IMPORT_LEASE_MS, IMPORT_LEASE_RENEW_MS, type ImportLeaseOptions } from './import-lease';
export { runImportCatalog, type ImportCatalogDeps, type ImportCatalogFlags } from './run-import-catalog';
export { registerImportCatalogCommand } from './command';
export * from './errors';
