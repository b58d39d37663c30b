import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './build';

const run = promisify(execFile);

/** A released version of the app: its commit, and the committed source archive the tests build it from. */
export interface Release {
  version: string;
  commit: string;
  /**
   * `git archive --format=tar <commit> fluent src/server now.config.json package.json | gzip -9n`,
   * committed, so upgrade tests run in a shallow clone too; pinned by its sha256.
   */
  archive: string;
  sha256: string;
}

/** App 1.0.0 as released: the signing secret in a password2 property. */
export const RELEASE_1_0_0: Release = {
  version: '1.0.0',
  commit: '3d5d8b6',
  archive: path.join(ROOT, 'test', 'fixtures', 'releases', 'app-1.0.0-3d5d8b6.tar.gz'),
  sha256: '11ff21b28efe922ffdbd3abfcfadeccdef937ca87376bd844ef4264cf54fd7df',
};

/** The release's source archive, checked against its pin; a clear error when it is missing or altered. */
export function releaseArchive(release: Release): string {
  if (!fs.existsSync(release.archive)) {
    throw new Error(
      `${path.relative(ROOT, release.archive)} is missing: restore it with ` +
        `git archive --format=tar ${release.commit} fluent src/server now.config.json package.json | gzip -9n > ${path.relative(ROOT, release.archive)}`,
    );
  }
  const digest = createHash('sha256').update(fs.readFileSync(release.archive)).digest('hex');
  if (digest !== release.sha256) {
    throw new Error(`${path.relative(ROOT, release.archive)} is not the archive of app ${release.version} (sha256 ${digest}, expected ${release.sha256})`);
  }
  return release.archive;
}

/**
 * The real `now-sdk build --frozenKeys` output of a released version, for upgrade tests. Built once
 * into dist/released-<version> (dist/ is not committed) from the committed source archive, with this
 * checkout's node_modules: no git history is needed.
 */
export async function releasedBuild(release: Release = RELEASE_1_0_0): Promise<string> {
  const out = path.join(ROOT, 'dist', `released-${release.version}-${release.commit}`);
  const done = path.join(out, '.complete');
  if (fs.existsSync(done) && fs.readFileSync(done, 'utf8') === release.sha256) return path.join(out, 'app');
  const archive = releaseArchive(release);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `app-${release.version}-`));
  try {
    await run('tar', ['-xzf', archive, '-C', work]);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    await run(process.execPath, [path.join(ROOT, 'node_modules', '@servicenow', 'sdk', 'bin', 'index.js'), 'build', '--frozenKeys'], {
      cwd: work,
      maxBuffer: 16 * 1024 * 1024,
    });
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    fs.cpSync(path.join(work, 'dist', 'app'), path.join(out, 'app'), { recursive: true });
    fs.writeFileSync(done, release.sha256);
    return path.join(out, 'app');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
