import fs from 'node:fs';
import path from 'node:path';

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
});
