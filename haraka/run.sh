#!/usr/bin/env bash
# Quick start: the sink, then Haraka inbound (127.0.0.1:2525) and outbound submission (127.0.0.1:5587), all in the
# foreground; Ctrl-C stops everything. The filter is expected at the url in haraka/*/config/spamfilter.ini
# (http://127.0.0.1:8025); if it is not running, mail is delivered with "X-Spam-Status: unscanned" (fail_open=true).
# Delivered mail lands in .var/sink/*.eml.
# DOVECOT_LMTP=HOST:PORT: inbound delivers over LMTP to that mailbox server instead (haraka/inbound/config with
# haraka/inbound-lmtp/config laid over it, in .var/haraka-inbound-lmtp; scripts/start.sh sets it with DOVECOT=1).
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
inbound=haraka/inbound
next_hop="sink in .var/sink"
if [ -n "${DOVECOT_LMTP:-}" ]; then
  lmtp_host=${DOVECOT_LMTP%:*}
  lmtp_port=${DOVECOT_LMTP##*:}
  inbound=.var/haraka-inbound-lmtp
  rm -rf "$inbound/config"
  mkdir -p "$inbound/plugins"
  cp -R haraka/inbound/config "$inbound/config"
  cp haraka/inbound-lmtp/config/* "$inbound/config/"
  printf '[main]\nhost=%s\nport=%s\n' "$lmtp_host" "$lmtp_port" >"$inbound/config/lmtp.ini"
  ln -sfn "$PWD/haraka-plugins/spamfilter" "$inbound/plugins/spamfilter"
  next_hop="LMTP $DOVECOT_LMTP"
fi
node node_modules/Haraka/bin/haraka -c "$inbound" & pids+=($!)
node node_modules/Haraka/bin/haraka -c haraka/outbound & pids+=($!)
echo "inbound MX on 127.0.0.1:2525 (delivering to the $next_hop), submission on 127.0.0.1:5587 (user alice@example.net), outbound sink in .var/sink (risky pool: .var/sink-risky)"
wait -n "${pids[@]}"
