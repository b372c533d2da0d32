#!/usr/bin/env bash
# Re-runs every figure of bench/eval/README.md; one JSON line per run into bench/results/eval-<name>.jsonl.
# Needs the corpora unpacked in .cache/corpus (see the README). Takes ~15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=.cache/corpus
OUT=bench/results
mkdir -p "$OUT"
EVAL="node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/eval/eval.ts --json"
: > "$OUT/eval-sa-dev.jsonl"
for mode in both bayes lr; do
  for seed in 1 2 3; do $EVAL --train $C/sa-dev --split 0.6 --seed $seed --opt mode=$mode >> "$OUT/eval-sa-dev.jsonl"; done
  $EVAL --train $C/sa-dev --split 0.6 --split-order time --opt mode=$mode >> "$OUT/eval-sa-dev.jsonl"
  $EVAL --train $C/sa-dev --split 0.6 --split-order time --online --no-baseline --opt mode=$mode >> "$OUT/eval-sa-dev.jsonl"
done
$EVAL --train $C/sa-dev --split 0.6 --seed 1 --headers all >> "$OUT/eval-sa-dev.jsonl"
$EVAL --train $C/sa-dev --split 0.6 --split-order time --headers all >> "$OUT/eval-sa-dev.jsonl"
: > "$OUT/eval-enron.jsonl"
for pair in farmer-d:GP kaminski-v:SH kitchen-l:BG williams-w3:GP beck-s:SH lokay-m:BG; do
  user=${pair%%:*}; spam=${pair##*:}
  for mode in both bayes; do
    $EVAL --train $C/enron --filter "^(ham/$user|spam/$spam)/" --split 0.6 --seed 1 --headers neutral --opt mode=$mode \
      | sed "s/^{/{\"user\":\"$user+$spam\",/" >> "$OUT/eval-enron.jsonl"
  done
done
