#!/usr/bin/env node
// Runs jest, then prints one summary line computed from jest's JSON results:
//   tests: N passed, N failed
// Extra arguments are passed to jest (npm test -- test/unit).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const resultsFile = path.join(os.tmpdir(), `incident-sn-jest-${process.pid}.json`);
const jestBin = require.resolve('jest/bin/jest');
const run = spawnSync(process.execPath, [jestBin, '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
});

let passed = 0;
let failed = 0;
try {
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  passed = results.numPassedTests;
  // A suite that fails to load has no test results of its own: count it as one failure so it is never hidden.
  failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  fs.rmSync(resultsFile, { force: true });
} catch (err) {
  console.error(`Could not read jest's results (${err.message}); counting the run as failed.`);
  failed = Math.max(failed, 1);
}
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
