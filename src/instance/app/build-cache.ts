import fs from 'node:fs';
import path from 'node:path';
import { readAppBuildDir, type AppBuild } from './app-build';

/**
 * Parsed builds, kept per process: tests install the same dist/app into many instances, and parsing
 * ~100 XML files each time would cost more than the install itself. An entry is reused while no file
 * of the folder changed (the newest modification time and the file count are the key).
 */

const cache = new Map<string, { key: string; build: AppBuild }>();

function fingerprint(dir: string): string {
  let newest = 0;
  let files = 0;
  const walk = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        files++;
        newest = Math.max(newest, fs.statSync(full).mtimeMs);
      }
    }
  };
  walk(dir);
  return `${files}:${newest}`;
}

export function loadAppBuild(dir: string): AppBuild {
  const resolved = path.resolve(dir);
  const key = fs.existsSync(resolved) ? fingerprint(resolved) : 'missing';
  const hit = cache.get(resolved);
  if (hit && hit.key === key) return hit.build;
  const build = readAppBuildDir(resolved);
  cache.set(resolved, { key, build });
  return build;
}
