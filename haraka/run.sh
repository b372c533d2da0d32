#!/usr/bin/env bash
# Quick start: the sink, then Haraka inbound (127.0.0.1:2525) and outbound submission (127.0.0.1:5587), all in the
# foreground; Ctrl-C stops everything. The filter is expected at the url in haraka/*/config/spamfilter.ini
# (http://127.0.0.1:8025); if it is not running, mail is delivered with "X-Spam-Status: unscanned" (fail_open=true).
# Delivered mail lands in .var/sink/*.eml.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
mkdir -p .var/sink .var/sink-risky
# The filter's token (scripts/start.sh generates it): the plugin sends it; a filter with a token refuses callers without.
if [ -z "${FILTER_API_TOKEN:-}" ] && [ -s .var/filter-token ]; then export FILTER_API_TOKEN; FILTER_API_TOKEN=$(cat .var/filter-token); fi
# STARTTLS: a self-signed pair in each config dir, made once (gitignored).
bash haraka/tls-cert.sh haraka/inbound/config haraka/outbound/config
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
node haraka/sink.js --port 2526 --dir .var/sink & pids+=($!)
# The separate IP pool for risky-but-allowed outbound mail (X-Spam-Outbound-Pool: risky), as its own sink.
node haraka/sink.js --port 2527 --dir .var/sink-risky & pids+=($!)
node node_modules/Haraka/bin/haraka -c haraka/inbound & pids+=($!)
node node_modules/Haraka/bin/haraka -c haraka/outbound & pids+=($!)
echo "inbound MX on 127.0.0.1:2525, submission on 127.0.0.1:5587 (user alice@example.net), sink in .var/sink (risky outbound pool: .var/sink-risky)"
wait -n "${pids[@]}"
