#!/usr/bin/env bash
# The quick start (README): installs what is missing, builds, and runs the whole product on embedded defaults —
# filter + API + learner in one process (SQLite in .var/, in-process bus, in-memory counters, no network checks),
# Haraka inbound on 127.0.0.1:2525 and submission on 127.0.0.1:5587, delivering to a sink in .var/sink/.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
source scripts/node-env.sh
echo "start: building"
npm run -s build

mkdir -p .var
# A local operator key for this machine, generated once; production sets API_BOOTSTRAP_OPERATOR_KEY from a secret.
if [ -z "${API_BOOTSTRAP_OPERATOR_KEY:-}" ]; then
  [ -s .var/operator-key ] || node -e 'const c=require("crypto");process.stdout.write("sf_"+c.randomBytes(6).toString("hex")+"_"+c.randomBytes(24).toString("base64url"))' > .var/operator-key
  API_BOOTSTRAP_OPERATOR_KEY=$(cat .var/operator-key)
  export API_BOOTSTRAP_OPERATOR_KEY
fi

# The filter's caller token (FILTER_API_TOKEN), generated once: the filter answers only Haraka, which gets the same
# value from the environment. Production sets it from a secret on both sides.
if [ -z "${FILTER_API_TOKEN:-}" ]; then
  [ -s .var/filter-token ] || node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))' > .var/filter-token
  FILTER_API_TOKEN=$(cat .var/filter-token)
fi
export FILTER_API_TOKEN

# A fresh installation scores with the starter model until its users' marks have grown their own (README).
export BAYES_STARTER="${BAYES_STARTER:-builtin}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

node dist/scripts/embedded.js & pids+=($!)
# Haraka needs the filter: wait for its health endpoint (fail-open would deliver mail unscanned meanwhile).
for _ in $(seq 1 100); do
  if curl -fsS "http://${FILTER_HOST:-127.0.0.1}:${FILTER_PORT:-8025}/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then echo "start: the filter/api process exited" >&2; exit 1; fi
  sleep 0.2
done
bash haraka/run.sh & pids+=($!)
echo "start: operator API key in .var/operator-key (curl -H \"Authorization: Bearer \$(cat .var/operator-key)\" http://127.0.0.1:8080/v1/...)"
wait -n "${pids[@]}"
