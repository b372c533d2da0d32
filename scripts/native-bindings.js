#!/usr/bin/env node
// The console's build (Vite) needs two native binaries: rolldown's (the bundler) and lightningcss's (CSS). Both ship
// them as per-platform optional dependencies, which this repository's .npmrc omits (omit=optional: Haraka's optional
// native plugins do not build offline). This script makes the two this platform needs available, at the versions
// package-lock.json pins, in .tools/native-bindings/ (git-ignored, once), and prints a NODE_PATH under which
// rolldown's and lightningcss's own require() find them. Nothing else is installed or changed.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, '.tools', 'native-bindings');

function libcSuffix() {
  if (process.platform !== 'linux') return process.platform === 'win32' ? ['msvc'] : [];
  let musl = false;
  try {
    musl = fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    musl = false;
  }
  if (musl) return ['musl'];
  return process.arch === 'arm' ? ['gnueabihf'] : ['gnu'];
}

function versionOf(pkg) {
  return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

function resolvable(name, paths) {
  try {
    require.resolve(name, { paths });
    return true;
  } catch {
    return false;
  }
}

const suffix = [process.platform, process.arch, ...libcSuffix()].join('-');
const wanted = [
  `@rolldown/binding-${suffix}@${versionOf('rolldown')}`,
  `lightningcss-${suffix}@${versionOf('lightningcss')}`,
];
const missing = wanted.filter((spec) => {
  const name = spec.slice(0, spec.lastIndexOf('@'));
  return (
    !resolvable(name, [path.join(root, 'node_modules')]) &&
    !resolvable(name, [path.join(dir, 'node_modules')])
  );
});
if (missing.length > 0) {
  process.stderr.write(
    `native-bindings: installing ${missing.join(' ')} into .tools/native-bindings (once)\n`,
  );
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json')))
    fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      dir,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--include=optional',
      ...missing,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}
process.stdout.write(
  [path.join(dir, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(path.delimiter),
);
