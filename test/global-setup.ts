import { buildApp } from './helpers/build';

/** Builds dist/app once per test run (skipped when it is newer than every source file). */
export default async function globalSetup(): Promise<void> {
  await buildApp();
}
