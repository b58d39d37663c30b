import Database from 'better-sqlite3';
import { importCatalog, type CatalogProgressEvent } from '../../../src/companion/catalog';
import { DEFAULT_MAX_ROWS_PER_COMMIT, DEFAULT_ROWS_PER_COMMIT } from '../../../src/companion/catalog/import-catalog';
import { formatServiceNowTime } from '../../../src/companion/catalog/paging';
import type { CatalogStore, StoreCatalogPageInput } from '../../../src/companion/store/catalog-store';
import { companionFor, countingClient, RequestLog, startCatalogInstance } from '../../helpers/catalog-fixture';

/**
 * A CMDB of several thousand CIs: pages never exceed the page size, the store gets a few pages per
 * transaction (never the table at once, each page whole), and rows updated while the import runs are neither skipped nor
 * lost: pages are read by key, so a row moving to the end does not shift the rows after it.
 */

const BULK = 5000;
const PAGE_SIZE = 250;
const CLASSES = ['cmdb_ci_server', 'cmdb_ci_appl', 'cmdb_ci_app_server', 'cmdb_ci_computer'] as const;

/**
 * A CatalogStore that records the size of every page of every transaction it is given (those it
 * began with, then those it took while open), and how many it began with.
 */
function recordingCatalog(inner: CatalogStore, batches: number[][], held: number[]): CatalogStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'storePage') throw new Error('the import stores its pages with storePages');
      if (property === 'storePages') {
        return (inputs: readonly StoreCatalogPageInput[], more?: () => Promise<StoreCatalogPageInput | null>) => {
          const batch = inputs.map((input) => input.page.records.length);
          batches.push(batch);
          held.push(batch.length);
          const joined = more
            ? async () => {
                const input = await more();
                if (input) batch.push(input.page.records.length);
                return input;
              }
            : undefined;
          return target.storePages(inputs, joined);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

it('imports several thousand CIs page by page, and keeps rows updated during the import', async () => {
  const sn = await startCatalogInstance();
  const companion = await companionFor(sn);
  const log = new RequestLog();
  const client = countingClient(companion.connection, log);
  try {
    // Bulk CIs written a day ago, one second apart, through the engine (fast, in-process).
    const start = sn.engine.now() - 86_400_000;
    const ids: string[] = [];
    sn.engine.transaction(() => {
      for (let i = 0; i < BULK; i++) {
        const ci = sn.engine.insert(
          CLASSES[i % CLASSES.length]!,
          { name: `bulk-${String(i).padStart(5, '0')}`, sys_updated_on: formatServiceNowTime(start + i * 1000) },
          { runBusinessRules: false, allowSystemFields: true },
        );
        ids.push(ci.sysId);
      }
    });
    const total = BULK + 10; // and the seed's ten

    const batches: number[][] = [];
    const held: number[] = [];
    const pages: number[] = [];
    let updatedDuringImport = false;
    const onProgress = (event: CatalogProgressEvent): void => {
      if (event.type !== 'page-stored' || event.table !== 'cmdb_ci') return;
      pages.push(event.pageRecords);
      // After five pages, three rows already read change: each moves to the end of the order.
      if (pages.length === 5 && !updatedDuringImport) {
        updatedDuringImport = true;
        for (const i of [3, 400, 1200]) sn.engine.update('cmdb_ci', ids[i]!, { name: `renamed-${i}` });
      }
    };
    const summary = await importCatalog({
      store: { catalog: recordingCatalog(companion.store.catalog, batches, held), getConnection: (n) => companion.store.getConnection(n) },
      client: client.table,
      connectionName: companion.connection.name,
      tables: ['cmdb_ci'],
      pageSize: PAGE_SIZE,
      onProgress,
    });

    const result = summary.tables[0]!;
    expect(result).toMatchObject({ table: 'cmdb_ci', status: 'ok', fetched: total + 3, inserted: total, updated: 3, unchanged: 0 });
    // Every page at most PAGE_SIZE rows; each transaction began with DEFAULT_ROWS_PER_COMMIT rows of
    // pages (the last one with the rest), may have taken pages that arrived while it was open, never
    // past DEFAULT_MAX_ROWS_PER_COMMIT rows; each page reported once it is committed.
    const pagesPerCommit = DEFAULT_ROWS_PER_COMMIT / PAGE_SIZE;
    expect(Math.max(...pages)).toBe(PAGE_SIZE);
    expect(batches.flat()).toEqual(pages);
    expect(batches.flat().every((n) => n <= PAGE_SIZE)).toBe(true);
    expect(held.slice(0, -1).every((n) => n === pagesPerCommit)).toBe(true);
    expect(held.at(-1)!).toBeLessThanOrEqual(pagesPerCommit);
    expect(batches.every((b) => b.reduce((a, n) => a + n, 0) <= DEFAULT_MAX_ROWS_PER_COMMIT)).toBe(true);
    expect(batches.flat().reduce((a, b) => a + b, 0)).toBe(total + 3);
    expect(batches.flat()).toHaveLength(Math.ceil((total + 3) / PAGE_SIZE));
    // One request per page and the empty one that ends the table.
    expect(log.listRequests('cmdb_ci')).toBe(pages.length + 1);

    const db = new Database(companion.db, { readonly: true });
    try {
      const byClass = db
        .prepare('SELECT class_name AS c, count(*) AS n FROM catalog_cis WHERE deleted_at IS NULL GROUP BY class_name ORDER BY class_name')
        .all() as Array<{ c: string; n: number }>;
      expect(Object.fromEntries(byClass.map((r) => [r.c, r.n]))).toEqual({
        cmdb_ci_app_server: BULK / 4 + 2,
        cmdb_ci_appl: BULK / 4,
        cmdb_ci_computer: BULK / 4,
        cmdb_ci_server: BULK / 4 + 5,
        cmdb_ci_service: 3,
      });
      const renamed = db.prepare("SELECT name FROM catalog_cis WHERE name LIKE 'renamed-%' ORDER BY name").all() as Array<{ name: string }>;
      expect(renamed.map((r) => r.name)).toEqual(['renamed-1200', 'renamed-3', 'renamed-400']);
    } finally {
      db.close();
    }
  } finally {
    await client.close();
    await companion.close();
    await sn.close();
  }
});
