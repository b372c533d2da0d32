#!/usr/bin/env bash
# Installs the project's npm dependencies when they are missing or older than package-lock.json.
# Idempotent and quick when nothing changed; used by the quick start and by the test command.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "install: Node.js 20 or newer is required (apt-get install nodejs npm)" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "install: Node.js $major is too old; Node 20 or newer is required" >&2
  exit 1
fi

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ ! -e node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
  echo "install: npm ci (first run builds better-sqlite3 from source, about 2 minutes)"
  npm ci --no-audit --no-fund --omit=optional --loglevel=error
fi
