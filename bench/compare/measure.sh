#!/usr/bin/env bash
# Re-runs the figures of bench/compare/README.md, one run at a time (SpamAssassin is slow and the machine is shared):
#   bash bench/compare/measure.sh [sa-dev|enron|all]   → bench/results/compare-<corpus>.jsonl (one JSON line per run)
# Needs the corpora unpacked in .cache/corpus and the tools from bench/compare/install.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash bench/compare/install.sh
C=.cache/corpus
OUT=bench/results
mkdir -p "$OUT"
CMP="node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/compare/bench.ts --json"
what=${1:-all}
if [ "$what" = sa-dev ] || [ "$what" = all ]; then
  : > "$OUT/compare-sa-dev.jsonl"
  # the unseen, later mail: train on the first 60% of the index, test on the last 40%
  $CMP --corpus $C/sa-dev --split 0.6 --split-order time --headers neutral --pipeline >> "$OUT/compare-sa-dev.jsonl"
  $CMP --corpus $C/sa-dev --split 0.6 --split-order time --headers all --pipeline >> "$OUT/compare-sa-dev.jsonl"
  for seed in 1 2 3; do $CMP --corpus $C/sa-dev --split 0.6 --seed $seed --headers neutral --pipeline >> "$OUT/compare-sa-dev.jsonl"; done
fi
if [ "$what" = enron ] || [ "$what" = all ]; then
  : > "$OUT/compare-enron.jsonl"
  # Enron-Spam's per-user pairing, neutral headers; its index is grouped by folder, not time, so the split is the
  # stratified random one. --sample caps each class (seeded) so SpamAssassin finishes in minutes per user.
  for user in ${ENRON_USERS:-beck-s lokay-m kaminski-v farmer-d kitchen-l williams-w3}; do
    $CMP --corpus $C/enron --user "$user" --split 0.6 --seed 1 --headers neutral --sample "${SAMPLE:-1500}" --pipeline >> "$OUT/compare-enron.jsonl"
  done
fi
