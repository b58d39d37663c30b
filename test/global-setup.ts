import { buildApp } from './helpers/build';
import { startTestCluster, TEST_PG_MISSING_ENV, TEST_PG_URL_ENV, type TestCluster } from '../fixtures/postgres-cluster';

declare global {
  var incidentSnTestCluster: TestCluster | undefined;
}

/**
 * Builds dist/app once per test run (skipped when it is newer than every source file), and gives
 * the PostgreSQL suites a server: DATABASE_URL when set (taken out of the environment, so no other
 * test opens PostgreSQL by accident), else a throw-away cluster stopped by global-teardown.ts. When
 * neither can be had, the reason is passed on and those suites fail with it (never skip).
 */
export default async function globalSetup(): Promise<void> {
  const given = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  if (given !== undefined && given.trim() !== '') {
    process.env[TEST_PG_URL_ENV] = given.trim();
  } else {
    try {
      globalThis.incidentSnTestCluster = await startTestCluster();
      process.env[TEST_PG_URL_ENV] = globalThis.incidentSnTestCluster.url;
    } catch (err) {
      process.env[TEST_PG_MISSING_ENV] = (err as Error).message;
      process.stderr.write(`\nThe PostgreSQL suites will fail: no test server could be started (${(err as Error).message})\n\n`);
    }
  }
  await buildApp();
}
