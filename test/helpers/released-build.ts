import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './build';

const run = promisify(execFile);

/** The commit of app version 1.0.0 as released: the signing secret in a password2 property. */
export const RELEASE_1_0_0 = '3d5d8b6';

/**
 * The real `now-sdk build --frozenKeys` output of the app at an earlier commit, for upgrade tests.
 * Built once into dist/released-<commit> (dist/ is not committed) from `git archive` of that commit,
 * with this checkout's node_modules. Needs the commit in the clone's history.
 */
export async function releasedBuild(commit = RELEASE_1_0_0): Promise<string> {
  const out = path.join(ROOT, 'dist', `released-${commit}`);
  const done = path.join(out, '.complete');
  if (fs.existsSync(done)) return path.join(out, 'app');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `app-${commit}-`));
  try {
    const archive = path.join(work, 'source.tar');
    try {
      await run('git', ['-C', ROOT, 'archive', '--output', archive, commit, 'fluent', 'src/server', 'now.config.json', 'package.json']);
    } catch (err) {
      throw new Error(`commit ${commit} is not in this clone's history (a shallow clone?): fetch it to run the upgrade tests`, { cause: err });
    }
    await run('tar', ['-xf', archive, '-C', work]);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    await run(process.execPath, [path.join(ROOT, 'node_modules', '@servicenow', 'sdk', 'bin', 'index.js'), 'build', '--frozenKeys'], {
      cwd: work,
      maxBuffer: 16 * 1024 * 1024,
    });
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    fs.cpSync(path.join(work, 'dist', 'app'), path.join(out, 'app'), { recursive: true });
    fs.writeFileSync(done, commit);
    return path.join(out, 'app');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
