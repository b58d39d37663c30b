import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';

// `npm ci` refuses a lock whose packages name optional dependencies it does not list. The registry
// reachable here omits some platforms' builds, so `npm install` can leave such holes:
// `node scripts/fix-lockfile.js` mends them. This test catches a hole before CI's `npm ci` does.
describe('package-lock.json', () => {
  it('lists every optional dependency that a locked package declares', () => {
    const lock = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package-lock.json'), 'utf8'));
    const packages: { [key: string]: { optionalDependencies?: { [name: string]: string } } } = lock.packages;
    const missing: string[] = [];
    for (const [key, entry] of Object.entries(packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        const nested = `${key}/node_modules/${name}`;
        if (!packages[nested] && !packages[`node_modules/${name}`]) missing.push(`${name} (wanted by ${key || 'the root'})`);
      }
    }
    expect(missing).toEqual([]);
  });

  // `npm ci` warns (EBADENGINE) about an installed package whose engines exclude the Node we run
  // on; the first screen of a fresh install stays clean only while none does. (An optional package
  // that npm leaves out, such as libxmljs2, is not installed and does not warn.)
  it('holds no package that refuses Node 20 (package.json engines)', () => {
    const lock = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package-lock.json'), 'utf8'));
    const packages: { [key: string]: { engines?: { node?: string } | string[]; optional?: boolean; dev?: boolean } } = lock.packages;
    const refusing = Object.entries(packages)
      .filter(([key]) => key !== '' && fs.existsSync(path.resolve(__dirname, '../..', key, 'package.json')))
      .filter(([, entry]) => entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([, entry]) => !semver.satisfies('20.19.0', (entry.engines as { node: string }).node))
      .map(([key, entry]) => `${key} (${(entry.engines as { node: string }).node})`);
    expect(refusing).toEqual([]);
  });
});
