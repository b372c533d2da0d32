#!/usr/bin/env bash
# The real services of the product on one machine, without Docker: PostgreSQL 15, Redis and a single-node Kafka 4.1
# (KRaft), ClamAV's programs for the antivirus tests (each test starts its own clamd) and Dovecot's for the mailbox
# tests (each starts its own Dovecot), and Chromium for the console's browser tests. Installs what is missing
# (Debian packages, the Kafka jars from Maven Central), starts each service on 127.0.0.1 only, and waits until each
# answers a real request. Idempotent and quick when everything is already up.
#
#   bash scripts/services.sh up|down|status [postgres|redis|kafka|clamav|dovecot|chromium|all]     (default: up all)
#
# State lives under $REPO/.var (git-ignored), downloads under $REPO/.cache. Runs unattended (CI): no prompts.
# Exit status: 0 when every requested service is up (up, status) or stopped (down); 1 otherwise.
#
# Environment (all optional): PG_PORT (5432), REDIS_PORT (6379), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
# KAFKA_HEAP (512m), SERVICES_WAIT_S (60, how long to wait for each service to become ready).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$REPO/.var"
CACHE="$REPO/.cache"
export DEBIAN_FRONTEND=noninteractive

PG_VERSION=15
PG_CLUSTER=main
PG_PORT="${PG_PORT:-5432}"
PG_ROLE=spamfilter
PG_PASSWORD=spamfilter
PG_DATABASES=(spamfilter spamfilter_test)

REDIS_PORT="${REDIS_PORT:-6379}"
REDIS_DIR="$VAR/redis"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
# A second listener for network-failure tests: clients that bootstrap through a test's TCP proxy on
# KAFKA_TEST_PROXY_PORT are told the broker is there too, so the test can cut and restore all their traffic.
KAFKA_TEST_PORT="${KAFKA_TEST_PORT:-9094}"
KAFKA_TEST_PROXY_PORT="${KAFKA_TEST_PROXY_PORT:-9095}"
KAFKA_LIBS="$CACHE/kafka/libs"
KAFKA_DIR="$VAR/kafka"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$KAFKA_DIR/kafka.log"

WAIT_S="${SERVICES_WAIT_S:-60}"
# The Kafka readiness probe is a Node script: the project's runtime (installed when missing).
source "$REPO/scripts/node-env.sh"

say() { printf '%-9s %s\n' "$1:" "$2"; }
DIED=0
die() { say "$1" "FAILED: $2" >&2; DIED=1; return 1; }

# ---------------------------------------------------------------------------------------------------------------
# Debian packages: `apt-get update` only when something is missing, once per run; wait for the dpkg lock instead of
# failing when another engineer (or unattended-upgrades) holds it.
APT_UPDATED=0
pkg_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]; }
ensure_pkgs() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  if [ "$APT_UPDATED" -eq 0 ]; then "${apt[@]}" update >&2; APT_UPDATED=1; fi
  "${apt[@]}" install --no-install-recommends "${missing[@]}" >&2
}

# Wait until "$@" succeeds, at most WAIT_S seconds (polling every 0.2 s).
wait_for() {
  local deadline=$((SECONDS + WAIT_S))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL: Debian's packaged cluster 15/main, driven with pg_ctlcluster. Why not our own initdb under .var: the
# package already creates and maintains that cluster (service user, log rotation, pg_hba with scram-sha-256 on
# 127.0.0.1), other tools on the machine expect it on 5432, and a second cluster on the same port would fight it.
# We only add a conf.d drop-in that pins it to 127.0.0.1.
PG_CONF_DIR="/etc/postgresql/$PG_VERSION/$PG_CLUSTER"
PG_DROPIN="$PG_CONF_DIR/conf.d/50-spamfilter.conf"

as_postgres() { runuser -u postgres -- "$@"; }
pg_superuser_sql() { as_postgres psql -p "$PG_PORT" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
pg_ready() {
  PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=2 psql -X -At -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$1" -c 'select 1' 2>/dev/null | grep -qx 1
}
pg_online() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}' | grep -qx online; }

pg_dropin_text() { printf "# Written by scripts/services.sh: loopback only.\nlisten_addresses = '127.0.0.1'\nport = %s\n" "$PG_PORT"; }

pg_up() {
  # Fast path: pinned to loopback, and the role answers over TCP with its password on both databases.
  if [ -f "$PG_DROPIN" ] && [ "$(cat "$PG_DROPIN")" = "$(pg_dropin_text)" ] && pg_online && pg_ready spamfilter && pg_ready spamfilter_test; then
    say postgres "up (127.0.0.1:$PG_PORT, role $PG_ROLE, databases ${PG_DATABASES[*]})"
    return 0
  fi
  if ! command -v pg_ctlcluster >/dev/null || [ ! -x "/usr/lib/postgresql/$PG_VERSION/bin/postgres" ]; then
    ensure_pkgs postgresql # Debian 12's default is PostgreSQL 15; the package creates cluster 15/main
  fi
  if ! pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c' | grep -q .; then
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --port "$PG_PORT" >&2
  fi
  local want
  want=$(pg_dropin_text)
  if [ ! -f "$PG_DROPIN" ] || [ "$(cat "$PG_DROPIN")" != "$want" ]; then
    mkdir -p "$(dirname "$PG_DROPIN")"
    printf '%s\n' "$want" >"$PG_DROPIN"
    # listen_addresses and port need a restart to apply.
    if pg_online; then pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" restart >&2 9>&-; fi
  fi
  # Password authentication over TCP from loopback (Debian's default pg_hba has it; make sure on odd machines).
  if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+(scram-sha-256|md5)' "$PG_CONF_DIR/pg_hba.conf"; then
    printf 'host    all             all             127.0.0.1/32            scram-sha-256\n' >>"$PG_CONF_DIR/pg_hba.conf"
    if pg_online; then pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" reload >&2; fi
  fi
  if ! pg_online; then
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start >&2 9>&- || die postgres "pg_ctlcluster start failed (see /var/log/postgresql/)" || return 1
  fi
  wait_for as_postgres psql -p "$PG_PORT" -X -At -c 'select 1' || { die postgres "server not answering as postgres"; return 1; }
  # Role and databases; the password is (re)set so a machine left with another one still matches the config.
  pg_superuser_sql <<SQL >/dev/null
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
    CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
SQL
  local db
  for db in "${PG_DATABASES[@]}"; do
    if [ "$(pg_superuser_sql -c "select 1 from pg_database where datname = '$db'")" != 1 ]; then
      pg_superuser_sql -c "create database $db owner $PG_ROLE" >/dev/null
    fi
  done
  for db in "${PG_DATABASES[@]}"; do
    wait_for pg_ready "$db" || { die postgres "role $PG_ROLE cannot run 'select 1' on $db over TCP"; return 1; }
  done
  say postgres "up (127.0.0.1:$PG_PORT, role $PG_ROLE, databases ${PG_DATABASES[*]})"
}

pg_down() {
  if command -v pg_ctlcluster >/dev/null && pg_online; then
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop >&2
  fi
  say postgres "down"
}

pg_status() {
  if ! command -v pg_ctlcluster >/dev/null; then say postgres "not installed"; return 1; fi
  if ! pg_online; then say postgres "down"; return 1; fi
  if pg_ready spamfilter; then say postgres "up (127.0.0.1:$PG_PORT, select 1 as $PG_ROLE ok)"; return 0; fi
  say postgres "running but role $PG_ROLE cannot connect (run: services.sh up postgres)"
  return 1
}

# ---------------------------------------------------------------------------------------------------------------
# Redis: our own instance under .var/redis (not the Debian service): loopback, no persistence (counters are
# short-lived by design), pid file so `down` stops exactly what `up` started.
REDIS_PIDFILE="$REDIS_DIR/redis.pid"
redis_cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
redis_ready() { [ "$(redis_cli ping 2>/dev/null)" = PONG ]; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

redis_up() {
  if command -v redis-cli >/dev/null && redis_ready; then
    if pid_alive "$REDIS_PIDFILE"; then say redis "up (127.0.0.1:$REDIS_PORT, pid $(cat "$REDIS_PIDFILE"))"
    else say redis "up (127.0.0.1:$REDIS_PORT, started outside this script)"; fi
    return 0
  fi
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    ensure_pkgs redis-server redis-tools
    # The package may start Debian's own service on the same port; we run ours instead.
    if [ -f /run/redis/redis-server.pid ] && kill -0 "$(cat /run/redis/redis-server.pid)" 2>/dev/null; then
      service redis-server stop >&2 2>&1 || kill "$(cat /run/redis/redis-server.pid)" || true
      sleep 0.5
    fi
  fi
  mkdir -p "$REDIS_DIR"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes --daemonize yes \
    --dir "$REDIS_DIR" --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_DIR/redis.log" \
    --save "" --appendonly no --maxmemory 256mb --maxmemory-policy volatile-lru >&2 9>&-
  wait_for redis_ready || { die redis "no PONG within ${WAIT_S}s (see $REDIS_DIR/redis.log)"; return 1; }
  say redis "up (127.0.0.1:$REDIS_PORT, pid $(cat "$REDIS_PIDFILE" 2>/dev/null || echo '?'))"
}

redis_down() {
  if pid_alive "$REDIS_PIDFILE"; then
    local pid; pid=$(cat "$REDIS_PIDFILE")
    redis_cli shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$REDIS_PIDFILE"
  say redis "down"
}

redis_status() {
  if ! command -v redis-cli >/dev/null; then say redis "not installed"; return 1; fi
  if redis_ready; then
    if pid_alive "$REDIS_PIDFILE"; then say redis "up (127.0.0.1:$REDIS_PORT, pid $(cat "$REDIS_PIDFILE"), ping ok)"
    else say redis "up (127.0.0.1:$REDIS_PORT, not started by this script)"; fi
    return 0
  fi
  say redis "down"
  return 1
}

# ---------------------------------------------------------------------------------------------------------------
# Kafka 4.1, KRaft combined mode, one node. Jars from Maven Central via scripts/kafka/pom.xml, the machine's JDK 17.
kafka_probe() { node "$REPO/scripts/wait-kafka.js" "127.0.0.1:$KAFKA_PORT" "$1"; }
kafka_java() { java -cp "$KAFKA_LIBS/*" "$@"; }

kafka_render() {
  sed -e "s#@KAFKA_DATA@#$KAFKA_DIR/data#" -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" \
    -e "s#@KAFKA_CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@KAFKA_TEST_PORT@#$KAFKA_TEST_PORT#g" \
    -e "s#@KAFKA_TEST_PROXY_PORT@#$KAFKA_TEST_PROXY_PORT#g" \
    "$REPO/scripts/kafka/server.properties.template"
}

kafka_fetch_libs() {
  command -v java >/dev/null || ensure_pkgs openjdk-17-jre-headless
  if [ ! -d "$KAFKA_LIBS" ]; then
    command -v mvn >/dev/null || ensure_pkgs maven
    echo "downloading the Kafka broker jars (Maven Central) into $KAFKA_LIBS" >&2
    rm -rf "$KAFKA_LIBS.tmp"
    mvn -q -B -f "$REPO/scripts/kafka/pom.xml" dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS.tmp" >&2 ||
      { die kafka "fetching the broker jars from Maven Central failed"; return 1; }
    mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS" # only a complete download becomes the libs folder
  fi
}

kafka_up() {
  [ -d "$REPO/node_modules/kafkajs" ] || { die kafka "node_modules/kafkajs missing (npm ci first): the readiness probe needs it"; return 1; }
  mkdir -p "$KAFKA_DIR/data"
  kafka_render >"$KAFKA_DIR/server.properties.new"
  if pid_alive "$KAFKA_PID" && ! cmp -s "$KAFKA_DIR/server.properties.new" "$KAFKA_DIR/server.properties"; then
    echo "kafka: server.properties changed, restarting the broker" >&2
    kafka_down >/dev/null
  fi
  mv "$KAFKA_DIR/server.properties.new" "$KAFKA_DIR/server.properties"
  if pid_alive "$KAFKA_PID"; then
    local line
    if line=$(kafka_probe "$((WAIT_S * 1000))"); then say kafka "up (127.0.0.1:$KAFKA_PORT, pid $(cat "$KAFKA_PID")) $line"; return 0; fi
    die kafka "process $(cat "$KAFKA_PID") runs but does not answer: $line (see $KAFKA_LOG)"
    return 1
  fi
  # The jars are fetched even when another broker answers: the outage tests start brokers of their own from them.
  kafka_fetch_libs || return 1
  # Something else already answers on the port (a broker not started by this script): use it, start nothing.
  local other
  if other=$(kafka_probe 0 2>/dev/null); then
    say kafka "up (127.0.0.1:$KAFKA_PORT, started outside this script) $other"
    return 0
  fi
  # Format the storage once; the cluster id is kept in meta.properties.
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    local cluster_id
    # What `StorageTool random-uuid` prints (16 random bytes, base64url, no padding, not starting with '-'),
    # without paying for a JVM start.
    cluster_id=-
    while [ "${cluster_id#-}" != "$cluster_id" ]; do
      cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    done
    kafka_java kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$KAFKA_DIR/server.properties" \
      >"$KAFKA_DIR/format.log" 2>&1 || { die kafka "storage format failed (see $KAFKA_DIR/format.log)"; return 1; }
  fi
  # setsid + nohup: the broker outlives the shell (and the CI step) that started it; `down` stops it by its pid.
  cd "$KAFKA_DIR"
  setsid nohup java "-Xms128m" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties" >"$KAFKA_LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$KAFKA_PID"
  cd "$REPO"
  local line
  if line=$(kafka_probe "$((WAIT_S * 1000))"); then
    say kafka "up (127.0.0.1:$KAFKA_PORT, pid $(cat "$KAFKA_PID")) $line"
    return 0
  fi
  die kafka "$line (see $KAFKA_LOG)"
}

kafka_down() {
  if pid_alive "$KAFKA_PID"; then
    local pid; pid=$(cat "$KAFKA_PID")
    kill "$pid" 2>/dev/null || true # SIGTERM: controlled shutdown, flushes the logs
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$KAFKA_PID"
  say kafka "down"
}

kafka_status() {
  if ! pid_alive "$KAFKA_PID"; then
    if [ -d "$KAFKA_LIBS" ]; then say kafka "down"; else say kafka "not installed (jars not downloaded)"; fi
    return 1
  fi
  local line
  if line=$(kafka_probe 3000); then say kafka "up (127.0.0.1:$KAFKA_PORT, pid $(cat "$KAFKA_PID")) $line"; return 0; fi
  say kafka "starting or unhealthy (pid $(cat "$KAFKA_PID")): $line"
  return 1
}

# ---------------------------------------------------------------------------------------------------------------
# ClamAV: only the programs (Debian's clamav-daemon for clamd, clamav for sigtool). No daemon is started here: each
# antivirus test starts its own clamd in the foreground with a signature database it writes (test/antivirus/
# clamd-process.ts; the official database cannot be downloaded on these machines, production runs freshclam), so
# nothing long-lived listens and a test's clamd is gone with it. Debian's own clamav-daemon and clamav-freshclam
# services are stopped if the package started them: they would try to download and log errors forever.
clamav_installed() { [ -x /usr/sbin/clamd ] && command -v sigtool >/dev/null; }

clamav_up() {
  if ! clamav_installed; then
    ensure_pkgs clamav-daemon clamav
    local svc
    for svc in clamav-freshclam clamav-daemon; do
      service "$svc" stop >/dev/null 2>&1 || true
    done
  fi
  clamav_installed || { die clamav "clamd or sigtool missing after installing clamav-daemon and clamav"; return 1; }
  say clamav "installed ($(/usr/sbin/clamd --version 2>/dev/null | head -1); tests start their own clamd)"
}

clamav_down() { say clamav "nothing to stop (tests stop the clamd they start)"; }

clamav_status() {
  if clamav_installed; then say clamav "installed ($(/usr/sbin/clamd --version 2>/dev/null | head -1))"; return 0; fi
  say clamav "not installed"
  return 1
}

# ---------------------------------------------------------------------------------------------------------------
# Dovecot: only the programs (Debian's dovecot-imapd, dovecot-lmtpd, dovecot-sieve). No daemon is started here: the
# mailbox tests (test/mailbox) and the quick start (DOVECOT=1) run a Dovecot of their own with dovecot/local.sh —
# config, mail and sockets in a directory of theirs, listeners on 127.0.0.1 — and never touch /etc/dovecot. Debian's
# own dovecot service, which the package starts on *:143, is stopped after installing.
dovecot_installed() { [ -x /usr/sbin/dovecot ] && [ -x /usr/bin/sievec ] && [ -e /usr/lib/dovecot/lmtp ] && [ -e /usr/lib/dovecot/modules/lib95_imap_sieve_plugin.so ]; }

dovecot_up() {
  if ! dovecot_installed; then
    ensure_pkgs dovecot-imapd dovecot-lmtpd dovecot-sieve
    service dovecot stop >/dev/null 2>&1 || true
  fi
  dovecot_installed || { die dovecot "dovecot, sievec or the lmtp/imap_sieve modules missing after installing"; return 1; }
  say dovecot "installed ($(/usr/sbin/dovecot --version 2>/dev/null | head -1); tests start their own)"
}

dovecot_down() { say dovecot "nothing to stop (tests and the quick start stop the Dovecot they start)"; }

dovecot_status() {
  if dovecot_installed; then say dovecot "installed ($(/usr/sbin/dovecot --version 2>/dev/null | head -1))"; return 0; fi
  say dovecot "not installed"
  return 1
}

# ---------------------------------------------------------------------------------------------------------------
# Chromium: Debian's browser for the console's end-to-end tests (test/e2e: Playwright's playwright-core drives
# /usr/bin/chromium; Playwright's own browser download is not reachable from these machines), with a font so pages
# render text. Nothing is started here: each test launches its own headless browser with an empty profile.
chromium_installed() { [ -x /usr/bin/chromium ] && pkg_installed fonts-dejavu-core; }

chromium_up() {
  chromium_installed || ensure_pkgs chromium fonts-dejavu-core
  chromium_installed || { die chromium "/usr/bin/chromium missing after installing chromium"; return 1; }
  say chromium "installed ($(/usr/bin/chromium --version 2>/dev/null | head -1); tests start their own headless one)"
}

chromium_down() { say chromium "nothing to stop (tests close the browsers they start)"; }

chromium_status() {
  if chromium_installed; then say chromium "installed ($(/usr/bin/chromium --version 2>/dev/null | head -1))"; return 0; fi
  say chromium "not installed"
  return 1
}

# ---------------------------------------------------------------------------------------------------------------
usage() { echo "usage: $0 up|down|status [postgres|redis|kafka|clamav|dovecot|chromium|all]" >&2; exit 2; }

action="${1:-up}"
target="${2:-all}"
case "$action" in up | down | status) ;; *) usage ;; esac
case "$target" in
  all) services=(postgres redis kafka clamav dovecot chromium) ;;
  postgres | redis | kafka | clamav | dovecot | chromium) services=("$target") ;;
  *) usage ;;
esac
[ "$action" = down ] && [ "$target" = all ] && services=(chromium dovecot clamav kafka redis postgres)
if [ "$action" != status ] && [ "$(id -u)" -ne 0 ] && [[ " ${services[*]} " == *" postgres "* ]]; then
  echo "services.sh $action postgres needs root (apt-get, pg_ctlcluster, runuser)" >&2
  exit 1
fi

mkdir -p "$VAR" "$CACHE"
# One run at a time: two engineers (or two CI steps) starting Kafka together would format or start it twice.
# Every daemon is started with `9>&-` so it does not inherit (and hold) this lock.
exec 9>"$VAR/.services.lock"
flock -w 300 9 || { echo "another services.sh is still running" >&2; exit 1; }

# Each service runs in its own subshell with errexit really on (bash ignores `set -e` inside a function called from
# `f || ...`), so an unexpected failure stops that service with one line and the others still run.
status=0
for s in "${services[@]}"; do
  case "$s" in postgres) fn="pg_$action" ;; *) fn="${s}_$action" ;; esac
  set +e
  (
    set -eE
    # status functions print their own line and return 1 for "down": that is an answer, not a failure.
    [ "$action" = status ] || trap '[ "$DIED" = 1 ] || say "$s" "FAILED: \`$BASH_COMMAND\` exited $? (line $LINENO)" >&2; DIED=1' ERR
    "$fn"
  )
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || status=1
done
exit "$status"
