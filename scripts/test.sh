#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, brings up the real PostgreSQL, Redis and Kafka,
# type-checks, lints, validates the k8s overlays (scripts/k8s-validate.sh), then runs the unit and integration
# suites. Prints one "N passed, N failed" line at the end.
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

run audit bash scripts/audit.sh
run typecheck npx tsc --noEmit -p tsconfig.json
run typecheck-console npx tsc --noEmit -p apps/api/console/tsconfig.json
run lint npx eslint --max-warnings=0 .
run k8s bash scripts/k8s-validate.sh
run unit npx jest -c jest.unit.config.js --json --outputFile="$results/unit.json"
for cfg in jest.*.config.js; do
  case "$cfg" in jest.unit.config.js | jest.int.config.js) continue ;; esac
  run "${cfg#jest.}" npx jest -c "$cfg" --json --outputFile="$results/${cfg#jest.}.json"
done
run integration npx jest -c jest.int.config.js --runInBand --json --outputFile="$results/int.json"

node scripts/test-summary.js "$results" || status=1
exit $status
