#!/usr/bin/env bash
# Installs the project's runtime (Node 24, scripts/node-env.sh) and its npm dependencies when they are missing or
# older than package-lock.json. Idempotent and quick when nothing changed; used by the quick start and by the test
# command.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh

# Native modules (better-sqlite3) build from source here: their prebuilt binaries and node-gyp's header download
# are on hosts this network does not reach, so node-gyp is pointed at the headers that ship with the runtime.
node_root=$(node -p 'require("path").resolve(process.execPath, "../..")')
if [ -d "$node_root/include/node" ]; then export npm_config_nodedir="$node_root"; fi

stamp=node_modules/.package-lock.json
abi_stamp=node_modules/.node-abi
abi=$(node -p 'process.versions.modules')
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ "$(cat "$abi_stamp" 2>/dev/null)" != "$abi" ] ||
  [ ! -d node_modules/better-sqlite3 ]; then
  echo "install: npm ci under Node $(node -v) "
  npm ci --no-audit --no-fund --omit=optional --loglevel=error
  echo "$abi" > "$abi_stamp"
fi
