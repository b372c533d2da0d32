#!/usr/bin/env bash
# The quick start (README): installs what is missing, builds, and runs the whole product on embedded defaults —
# filter + API + learner in one process (SQLite in .var/, in-process bus, in-memory counters, no network checks),
# Haraka inbound on 127.0.0.1:2525 and submission on 127.0.0.1:5587, delivering to a sink in .var/sink/.
# DOVECOT=1 (Dovecot installed: bash scripts/services.sh up dovecot): inbound delivers over LMTP into a Dovecot of
# the quick start's own instead (dovecot/local.sh, everything in .var/dovecot; IMAP on 127.0.0.1:${DOVECOT_IMAP_PORT:-2143}
# for alice@example.net, password in .var/dovecot/password), and moving mail into or out of Junk trains the filter.
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

# Readable log lines at a terminal; production keeps the default LOG_FORMAT=json (libs/config, log.config.ts).
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
# A fresh installation scores with the starter model until its users' marks have grown their own (README).
export BAYES_STARTER="${BAYES_STARTER:-builtin}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# With DOVECOT=1 the console's mailbox sign-in checks passwords at that Dovecot (its IMAP port is fixed below).
if [ "${DOVECOT:-0}" = 1 ] && [ -z "${CONSOLE_IMAP_URL:-}" ]; then
  export CONSOLE_IMAP_URL="imap://127.0.0.1:${DOVECOT_IMAP_PORT:-2143}"
fi

node dist/scripts/embedded.js & pids+=($!)
# Haraka needs the filter: wait for its health endpoint (fail-open would deliver mail unscanned meanwhile).
for _ in $(seq 1 100); do
  if curl -fsS "http://${FILTER_HOST:-127.0.0.1}:${FILTER_PORT:-8025}/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then echo "start: the filter/api process exited" >&2; exit 1; fi
  sleep 0.2
done
if [ "${DOVECOT:-0}" = 1 ]; then
  [ -x /usr/sbin/dovecot ] || { echo "start: DOVECOT=1 needs Dovecot: sudo bash scripts/services.sh up dovecot" >&2; exit 1; }
  api="http://${API_HOST:-127.0.0.1}:${API_PORT:-8080}"
  imap_port=${DOVECOT_IMAP_PORT:-2143}
  lmtp_port=${DOVECOT_LMTP_PORT:-2424}
  d=.var/dovecot
  mkdir -p "$d"
  for _ in $(seq 1 100); do curl -fsS "$api/health" >/dev/null 2>&1 && break; sleep 0.2; done
  auth=(-H "Authorization: Bearer $API_BOOTSTRAP_OPERATOR_KEY" -H 'content-type: application/json')
  # alice's filter account (409 when she exists) and the mailbox service key the Junk hook marks with (made once).
  curl -sS -o /dev/null "${auth[@]}" -X POST "$api/v1/users" -d '{"address":"alice@example.net"}'
  # A key from an earlier database (.var wiped) is unknown now: a raw mark without a body answers 400 to a valid
  # key and 401 to an unknown one.
  if [ -s "$d/key" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(cat "$d/key")" "$api/v1/marks/raw")" = 401 ]; then
    rm -f "$d/key"
  fi
  if [ ! -s "$d/key" ]; then
    curl -fsS "${auth[@]}" -X POST "$api/v1/mailbox-keys" -d '{"domain":"example.net","label":"quick start dovecot"}' |
      node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>process.stdout.write(JSON.parse(s).token))' >"$d/key"
    chmod 600 "$d/key"
  fi
  [ -s "$d/password" ] || node -e 'process.stdout.write(require("crypto").randomBytes(9).toString("base64url"))' >"$d/password"
  printf 'alice@example.net:%s\n' "$(cat "$d/password")" >"$d/users"
  printf 'SPAMFILTER_API_URL=%s\n' "$api" >"$d/mark.env"
  bash dovecot/local.sh prepare "$d" "$imap_port" "$lmtp_port"
  bash dovecot/local.sh run "$d" & pids+=($!)
  # The timer a provider runs (dovecot/README.md): sends moves the API did not take, as the mail user.
  flush=("$PWD/$d/spamfilter/bin/spamfilter-mark" --flush)
  [ "$(id -u)" -eq 0 ] && flush=(runuser -u nobody -- "${flush[@]}")
  (while sleep 60; do "${flush[@]}" || true; done) & pids+=($!)
  export DOVECOT_LMTP="127.0.0.1:$lmtp_port"
  echo "start: Dovecot IMAP on 127.0.0.1:$imap_port (alice@example.net, password in $d/password); inbound mail is delivered there over LMTP"
fi
bash haraka/run.sh & pids+=($!)
console_url="http://${API_HOST:-127.0.0.1}:${API_PORT:-8080}/console"
echo "start: operator API key in .var/operator-key (curl -H \"Authorization: Bearer \$(cat .var/operator-key)\" http://127.0.0.1:8080/v1/...)"
echo "start: web console at $console_url — sign in with the operator key in .var/operator-key$([ "${DOVECOT:-0}" = 1 ] && echo ", or as alice@example.net with her mailbox password (.var/dovecot/password)")"
wait -n "${pids[@]}"
