import { buildAppIfStale, DIST_APP, REPO_ROOT } from '../../src/shared/build-app';

export const ROOT = REPO_ROOT;
export { DIST_APP };

/** Runs the real `now-sdk build --frozenKeys` (skipped when dist/app is newer than its sources). */
export async function buildApp(options: { force?: boolean } = {}): Promise<void> {
  await buildAppIfStale(options);
}
