#!/usr/bin/env bash
# Re-runs the figures of bench/eval/README.md; one JSON line per run into bench/results/eval-<name>.jsonl.
# Needs the corpora unpacked in .cache/corpus (see the README). Two streams in parallel (sa-dev, enron), then the pipeline
# and the protocols; `bash bench/eval/measure.sh protocols` runs the protocols alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=.cache/corpus
OUT=bench/results
mkdir -p "$OUT"
EVAL="node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/eval/eval.ts --json"
sadev() {
  : > "$OUT/eval-sa-dev.jsonl"
  # the deployed model (Bayes + the logistic component retrained as the learner does, bench/eval/deployed-model.ts):
  # random splits with three seeds, then across time, batch and online
  for seed in 1 2 3; do $EVAL --train $C/sa-dev --split 0.6 --seed $seed >> "$OUT/eval-sa-dev.jsonl"; done
  $EVAL --train $C/sa-dev --split 0.6 --split-order time >> "$OUT/eval-sa-dev.jsonl"
  $EVAL --train $C/sa-dev --split 0.6 --split-order time --online --no-baseline >> "$OUT/eval-sa-dev.jsonl"
  # the components alone, and every header
  for mode in bayes lr; do
    $EVAL --train $C/sa-dev --split 0.6 --seed 1 --no-baseline --opt mode=$mode >> "$OUT/eval-sa-dev.jsonl"
    $EVAL --train $C/sa-dev --split 0.6 --split-order time --no-baseline --opt mode=$mode >> "$OUT/eval-sa-dev.jsonl"
  done
  # not deployed: character 4-grams + token ids (a training record keeps only the token ids)
  $EVAL --train $C/sa-dev --split 0.6 --seed 1 --no-baseline --opt features=grams+tokens >> "$OUT/eval-sa-dev.jsonl"
  $EVAL --train $C/sa-dev --split 0.6 --split-order time --no-baseline --opt features=grams+tokens >> "$OUT/eval-sa-dev.jsonl"
  $EVAL --train $C/sa-dev --split 0.6 --seed 1 --headers all --no-baseline >> "$OUT/eval-sa-dev.jsonl"
  $EVAL --train $C/sa-dev --split 0.6 --split-order time --headers all --no-baseline >> "$OUT/eval-sa-dev.jsonl"
}
enron() {
  : > "$OUT/eval-enron.jsonl"
  # Enron per user (the paper's pairing), neutral headers. Its index is grouped by folder, not by time, so the split
  # is the stratified random one.
  for pair in farmer-d:GP kaminski-v:SH kitchen-l:BG williams-w3:GP beck-s:SH lokay-m:BG; do
    user=${pair%%:*}; spam=${pair##*:}
    $EVAL --train $C/enron --filter "^(ham/$user|spam/$spam)/" --split 0.6 --seed 1 --headers neutral \
      | sed "s/^{/{\"user\":\"$user+$spam\",/" >> "$OUT/eval-enron.jsonl"
  done
  for pair in kitchen-l:BG lokay-m:BG; do
    user=${pair%%:*}; spam=${pair##*:}
    $EVAL --train $C/enron --filter "^(ham/$user|spam/$spam)/" --split 0.6 --seed 1 --headers neutral --no-baseline --opt mode=bayes \
      | sed "s/^{/{\"user\":\"$user+$spam\",/" >> "$OUT/eval-enron.jsonl"
  done
}
pipeline() {
  # every local check + Bayes through the scorer and the default policy, across time: deployed model vs Bayes alone
  : > "$OUT/eval-pipeline.jsonl"
  $EVAL --train $C/sa-dev --split 0.6 --split-order time --pipeline --no-baseline --opt mode=bayes >> "$OUT/eval-pipeline.jsonl"
  $EVAL --train $C/sa-dev --split 0.6 --split-order time --pipeline --no-baseline >> "$OUT/eval-pipeline.jsonl"
}
protocols() {
  # the protocols (bench/eval/protocols.ts, full set): same-source, time and cross-source, the deployed model with the
  # natural baseline, then the whole local pipeline; and the operating point chosen on the time split's training part
  P="node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/eval/protocols.ts --set full --json"
  $P > "$OUT/protocols-bayes.jsonl"
  $P --pipeline --no-baseline > "$OUT/protocols-pipeline.jsonl"
  : > "$OUT/operating-point.jsonl"
  for cut in 0.5 0.6 0.7; do
    $EVAL --train $C/sa-dev --split $cut --split-order time --no-baseline --operating-point 0.001 >> "$OUT/operating-point.jsonl"
    $EVAL --train $C/sa-dev --split $cut --split-order time --no-baseline --pipeline --operating-point 0.001 >> "$OUT/operating-point.jsonl"
  done
  # each content symbol's rate on ham, hard_ham, spam and the phishing-like spam (the phishing signals' evidence)
  for c in sa-dev enron; do
    node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/eval/symbol-rates.ts --corpus $C/$c --json > "$OUT/symbols-$c.json"
  done
  node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/eval/snapshot-size.ts --train $C/sa-dev --train-fraction 0.99 > "$OUT/snapshot-size.jsonl"
}
if [ "${1:-all}" = protocols ]; then protocols; exit 0; fi
sadev &
enron &
wait
pipeline
protocols
