import { APP_VERSION } from '../../../src/server/lib/constants';
import { loadAppBuild } from '../../../src/instance/app/build-cache';
import { installBuild } from '../../../src/instance/app/installer';
import { DIST_APP } from '../../helpers/build';
import { openRuntimeEngine, type RuntimeEngine } from '../../helpers/runtime-engine';

/** Server modules (sys_module) loaded by path, as the SDK's script stubs require them. */

const BASE = 'x_test/pkg/1.0.0/src/server';

let rt: RuntimeEngine;

function addModule(path: string, content: string): string {
  return rt.engine.insert('sys_module', { path: `${BASE}/${path}`, name: path, content }).sysId;
}

beforeAll(async () => {
  rt = await openRuntimeEngine();
  addModule('lib/math.ts', `export function double(n: number): number { return n * 2; }\nexport const FACTOR = 2;`);
  addModule(
    'jobs/main.ts',
    `import { double } from '../lib/math.ts';
import { gs, GlideDateTime } from '@servicenow/glide';
import { ServiceError } from '@servicenow/glide/sn_ws_err';
export function run(x: number) {
  gs.info('doubled ' + double(x));
  return { value: double(x), year: new GlideDateTime('2026-05-06 00:00:00').getYearUTC(), error: new ServiceError().setStatus(418).getStatus() };
}`,
  );
  addModule('lib/needs-lodash.ts', `import _ from 'lodash';\nexport const x = _;`);
  addModule('lib/imaginary-api.ts', `import { GlideImaginary } from '@servicenow/glide';\nexport function make() { return new GlideImaginary(); }`);
});

afterAll(() => rt.close());

describe('server modules', () => {
  it('load by module path; relative imports resolve against the importing module; Glide modules are the runtime’s', () => {
    const result = rt.run(`const { run } = require('${BASE}/jobs/main.ts'); return run(21);`);
    expect(result).toEqual({ value: 42, year: 2026, error: 418 });
    expect(rt.engine.count('syslog', 'message=doubled 42')).toBe(1);
  });

  it('names a package that does not exist on an instance', () => {
    expect(() => rt.run(`require('${BASE}/lib/needs-lodash.ts');`)).toThrow(/Cannot find module 'lodash' \(imported by x_test\/pkg\/1\.0\.0\/src\/server\/lib\/needs-lodash\.ts\)/);
  });

  it('names a Glide API the local instance does not implement', () => {
    expect(() => rt.run(`require('${BASE}/lib/imaginary-api.ts').make();`)).toThrow('@servicenow/glide.GlideImaginary is not supported by the local instance');
  });

  it('compiles every module ahead of use without running any; one that does not compile fails where it is required', () => {
    const broken = addModule('lib/broken.ts', `export function oops( {`);
    const sideEffect = addModule('lib/side-effect.ts', `import { gs } from '@servicenow/glide';\ngs.info('module top level ran');\nexport const y = 1;`);
    try {
      const total = rt.engine.count('sys_module', `pathSTARTSWITH${BASE}`);
      expect(rt.runtime.warmModules()).toBe(total - 1);
      expect(rt.engine.count('syslog', 'message=module top level ran')).toBe(0);
      expect(() => rt.run(`return require('${BASE}/lib/broken.ts').oops;`)).toThrow(/broken\.ts/);
      expect(rt.run(`return require('${BASE}/lib/side-effect.ts').y;`)).toBe(1);
      expect(rt.engine.count('syslog', 'message=module top level ran')).toBe(1);
    } finally {
      rt.engine.delete('sys_module', broken);
      rt.engine.delete('sys_module', sideEffect);
    }
  });

  it('picks up a changed module (modules are cached per metadata version)', () => {
    const id = rt.engine.query('sys_module', { query: `path=${BASE}/lib/math.ts` }).records[0].sysId;
    expect(rt.run(`return require('${BASE}/lib/math.ts').double(5);`)).toBe(10);
    rt.engine.update('sys_module', id, { content: `export function double(n: number): number { return n * 3; }` });
    expect(rt.run(`return require('${BASE}/lib/math.ts').double(5);`)).toBe(15);
  });

  it('runs the app’s real build: its modules as now-sdk emitted them', () => {
    installBuild(rt.engine, loadAppBuild(DIST_APP));
    const root = `x_incident_io/incident-io-servicenow/${APP_VERSION}/src/server`;
    const result = rt.run(`
      const time = require('${root}/lib/time.ts');
      const ordering = require('${root}/lib/ordering.ts');
      const config = require('${root}/lib/glide-environment.ts').config();
      return [time.toGlideDateTime(0), time.glideToIso('2026-11-24 09:15:02'), ordering.orderKey(4, 'incident.journal', 0).slice(0, 12), config.maxAttempts, config.enabled];
    `);
    expect(result).toEqual(['1970-01-01 00:00:00', '2026-11-24T09:15:02Z', '0000000004.2', 12, false]);
  });
});
