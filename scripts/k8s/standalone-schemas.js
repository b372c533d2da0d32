#!/usr/bin/env node
/*
 * Makes kubeconform-ready schemas from the Kubernetes JSON schemas that the PyPI package kubernetes-validate ships
 * (one file per kind, every type a `$ref` into a shared `_definitions.json` at the absolute path `/api/...`).
 * kubeconform cannot resolve those references from a local folder (it reports "could not find schema"), so each
 * kind's schema is written out standalone, every `$ref` inlined. A reference back into a type being expanded (only
 * the CRD JSONSchemaProps type is recursive) becomes `{}`: anything is accepted below that depth.
 *
 * usage: node scripts/k8s/standalone-schemas.js <input dir with _definitions.json> <output dir>
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: standalone-schemas.js <input dir> <output dir>');
  process.exit(64);
}
const defs = JSON.parse(fs.readFileSync(path.join(input, '_definitions.json'), 'utf8')).$defs;

function inline(node, stack) {
  if (Array.isArray(node)) return node.map((n) => inline(n, stack));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const name = node.$ref.split('#/$defs/')[1];
    if (!name || !(name in defs)) throw new Error(`unknown reference ${node.$ref}`);
    const { $ref: _ref, ...siblings } = node;
    if (stack.includes(name)) return inline(siblings, stack);
    return { ...inline(defs[name], [...stack, name]), ...inline(siblings, stack) };
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = inline(v, stack);
  return out;
}

fs.mkdirSync(output, { recursive: true });
let n = 0;
for (const file of fs.readdirSync(input)) {
  if (!file.endsWith('.json') || file === '_definitions.json' || file === 'all.json') continue;
  const schema = JSON.parse(fs.readFileSync(path.join(input, file), 'utf8'));
  fs.writeFileSync(path.join(output, file), JSON.stringify(inline(schema, [])));
  n++;
}
console.log(`${n} standalone schemas in ${output}`);
