#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, brings up the real PostgreSQL, Redis and Kafka, then
# runs a fast gate (audit, type-check, lint, Prettier's check, the k8s overlays, the unit and plugin suites) and, only when the gate
# passed, the integration suites: side by side in jest workers where their isolation allows, the rest one at a time.
# Prints one "N passed, N failed" line at the end, also when the gate failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh || exit 1
source scripts/node-env.sh || exit 1
bash scripts/services.sh up || { echo "test: the services did not come up; see .var/*/ logs" >&2; exit 1; }

# Corpus-driven tests read the SpamAssassin set unpacked into the git-ignored .cache/corpus (never committed).
corpus_src=../shared/corpus/sa-dev.tar.gz
if [ ! -f .cache/corpus/sa-dev/index ]; then
  if [ -f "$corpus_src" ]; then
    mkdir -p .cache/corpus && tar -xzf "$corpus_src" -C .cache/corpus
  else
    echo "test: $corpus_src not found; the corpus-driven tests will be skipped" >&2
  fi
fi

results=.var/test-results
mkdir -p "$results"
rm -f "$results"/*.json
status=0

run() {
  local name=$1
  shift
  echo "== $name"
  "$@" || status=1
}

# The fast gate: a few minutes, no shared service (the plugin and browser suites, jest.haraka and jest.e2e, start their
# own Haraka, Dovecot and SQLite). A red gate stops here, before the integration suites' minutes.
run audit bash scripts/audit.sh
run typecheck npx tsc --noEmit -p tsconfig.json
run typecheck-console npx tsc --noEmit -p apps/api/console/tsconfig.json
run lint npx eslint --max-warnings=0 .
run format npx prettier --check --log-level warn .
run k8s bash scripts/k8s-validate.sh
run unit npx jest -c jest.unit.config.js --json --outputFile="$results/unit.json"
for cfg in jest.*.config.js; do
  case "$cfg" in jest.unit.config.js | jest.int.config.js) continue ;; esac
  run "${cfg#jest.}" npx jest -c "$cfg" --json --outputFile="$results/${cfg#jest.}.json"
done
if [ "$status" -ne 0 ]; then
  echo "test: the fast gate failed; the integration suites were not run" >&2
  node scripts/test-summary.js "$results"
  exit 1
fi

# Integration suites. Each has its own PostgreSQL database (test/persistence/test-databases.ts), Kafka topic prefix
# and consumer groups (test/services/kafka-fixtures.ts and the harnesses), Redis key prefix, temporary directories and
# loopback ports from freePort(), so they run side by side in INT_WORKERS jest workers (default 2: this machine's
# cores). SERIAL are the suites that must not share the machine with another suite, each with its reason; they run
# afterwards, one at a time.
SERIAL=(
  # Starts, stops and restarts a Kafka broker of its own (a JVM of up to 384 MB, ~10 s of CPU each start), and
  # bounds how long 20 marks take while that broker is down.
  test/feedback/resilience.int-spec.ts
)
ignore=(--testPathIgnorePatterns=/node_modules/)
for s in "${SERIAL[@]}"; do ignore+=("--testPathIgnorePatterns=/${s//./\\.}\$"); done
run integration npx jest -c jest.int.config.js --maxWorkers="${INT_WORKERS:-2}" "${ignore[@]}" \
  --json --outputFile="$results/int.json"
run integration-serial npx jest -c jest.int.config.js --runInBand --runTestsByPath "${SERIAL[@]}" \
  --json --outputFile="$results/int-serial.json"

node scripts/test-summary.js "$results" || status=1
exit $status
