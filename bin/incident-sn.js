#!/usr/bin/env node
'use strict';
// Runs the TypeScript sources directly (tsx compiles on load), so the command works right after npm ci.
require('tsx/cjs/api').register();
require('../src/cli/main.ts').main(process.argv).catch((err) => {
  console.error(err && err.message ? err.message : err);
  process.exit(1);
});
