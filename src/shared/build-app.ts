import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { IncidentSnError } from './errors';

const run = promisify(execFile);

/** The repository root (where now.config.json is). */
export const REPO_ROOT = path.resolve(__dirname, '../..');
export const DIST_APP = path.join(REPO_ROOT, 'dist', 'app');
const STAMP = path.join(REPO_ROOT, 'dist', '.build-stamp');
const SDK_BIN = path.join(REPO_ROOT, 'node_modules', '@servicenow', 'sdk', 'bin', 'index.js');

function newestMtime(target: string): number {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** True when dist/app was built after every file it is built from changed. */
export function isAppBuildFresh(root = REPO_ROOT): boolean {
  const stamp = path.join(root, 'dist', '.build-stamp');
  if (!fs.existsSync(stamp)) return false;
  const sources = ['fluent', 'src/server', 'now.config.json', 'package.json'].map((p) => newestMtime(path.join(root, p)));
  return fs.statSync(stamp).mtimeMs > Math.max(...sources);
}

export class AppBuildFailedError extends IncidentSnError {}

/**
 * Runs the real `now-sdk build --frozenKeys` unless dist/app is already fresh. Frozen keys: a build
 * that would mint new sys_ids fails (run `npm run build` and commit fluent/generated/keys.ts).
 * Returns whether it built.
 */
export async function buildAppIfStale(options: { force?: boolean } = {}): Promise<boolean> {
  if (!options.force && isAppBuildFresh()) return false;
  try {
    await run(process.execPath, [SDK_BIN, 'build', '--frozenKeys'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new AppBuildFailedError(`now-sdk build --frozenKeys failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim(), { code: 'app_build_failed', cause: err });
  }
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  fs.writeFileSync(STAMP, new Date().toISOString());
  return true;
}
