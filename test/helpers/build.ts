import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const DIST_APP = path.join(ROOT, 'dist', 'app');
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
const SDK_BIN = path.join(ROOT, 'node_modules', '@servicenow', 'sdk', 'bin', 'index.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  if (!fs.existsSync(STAMP)) return false;
  const built = fs.statSync(STAMP).mtimeMs;
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'fluent')),
    newestMtime(path.join(ROOT, 'src', 'server')),
    fs.statSync(path.join(ROOT, 'now.config.json')).mtimeMs,
    fs.statSync(path.join(ROOT, 'package.json')).mtimeMs,
  );
  return built > sources;
}

/** Runs the real `now-sdk build --frozenKeys` (fails if fluent/generated/keys.ts is out of date). */
export async function buildApp(options: { force?: boolean } = {}): Promise<void> {
  if (!options.force && isFresh()) return;
  try {
    execFileSync(process.execPath, [SDK_BIN, 'build', '--frozenKeys'], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`now-sdk build --frozenKeys failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
  fs.writeFileSync(STAMP, new Date().toISOString());
}
