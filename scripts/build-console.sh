#!/usr/bin/env bash
# Builds the web console (apps/api/console: React + Vite) into dist/console, which apps/api serves at /console.
# Part of `npm run build`. Vite's native binaries come from scripts/native-bindings.js (.npmrc omits optional deps).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
NODE_PATH="$(node scripts/native-bindings.js)"
export NODE_PATH
exec node_modules/.bin/vite build -c apps/api/console/vite.config.mts --logLevel warn "$@"
