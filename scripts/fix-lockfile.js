#!/usr/bin/env node
// The npm registry reachable here serves only some platforms' builds of unrs-resolver (jest's
// resolver), so `npm install` leaves the others out of package-lock.json and `npm ci` then refuses
// the lock ("Missing: @unrs/resolver-binding-… from lock file"). This adds the missing optional
// entries with their os/cpu/libc, which `npm ci` skips on other platforms. Run it after any
// `npm install` that rewrites the lock; test/static/lockfile.test.ts checks the lock stays whole.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const PLATFORMS = {
  'android-arm-eabi': ['android', 'arm'],
  'android-arm64': ['android', 'arm64'],
  'darwin-arm64': ['darwin', 'arm64'],
  'darwin-x64': ['darwin', 'x64'],
  'freebsd-x64': ['freebsd', 'x64'],
  'linux-arm-gnueabihf': ['linux', 'arm', 'glibc'],
  'linux-arm-musleabihf': ['linux', 'arm', 'musl'],
  'linux-arm64-gnu': ['linux', 'arm64', 'glibc'],
  'linux-arm64-musl': ['linux', 'arm64', 'musl'],
  'linux-loong64-gnu': ['linux', 'loong64', 'glibc'],
  'linux-loong64-musl': ['linux', 'loong64', 'musl'],
  'linux-ppc64-gnu': ['linux', 'ppc64', 'glibc'],
  'linux-riscv64-gnu': ['linux', 'riscv64', 'glibc'],
  'linux-riscv64-musl': ['linux', 'riscv64', 'musl'],
  'linux-s390x-gnu': ['linux', 's390x', 'glibc'],
  'linux-x64-gnu': ['linux', 'x64', 'glibc'],
  'linux-x64-musl': ['linux', 'x64', 'musl'],
  'openharmony-arm64': ['openharmony', 'arm64'],
  'wasm32-wasi': [null, 'wasm32'],
  'win32-arm64-msvc': ['win32', 'arm64'],
  'win32-ia32-msvc': ['win32', 'ia32'],
  'win32-x64-msvc': ['win32', 'x64'],
};

const file = path.resolve(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const resolver = lock.packages['node_modules/unrs-resolver'];
let added = 0;
for (const [name, version] of Object.entries((resolver && resolver.optionalDependencies) || {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const platform = PLATFORMS[name.replace('@unrs/resolver-binding-', '')];
  if (!platform) throw new Error(`fix-lockfile: no platform known for ${name}; add it to PLATFORMS`);
  const [os, cpu, libc] = platform;
  const entry = { version, cpu: [cpu], dev: resolver.dev === true, license: 'MIT', optional: true };
  if (os) entry.os = [os];
  if (libc) entry.libc = [libc];
  lock.packages[key] = entry;
  added++;
}
const [root, ...rest] = Object.entries(lock.packages);
lock.packages = Object.fromEntries([root, ...rest.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`fix-lockfile: added ${added} optional platform entr${added === 1 ? 'y' : 'ies'}`);
