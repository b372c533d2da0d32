#!/usr/bin/env bash
# Runs a command under the project's runtime (Node 24, installed when missing): npm scripts go through this, so
# they do not depend on the Node that the caller's npm runs under.   bash scripts/run.sh node|jest|tsc ... ARGS
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH" exec "$@"
