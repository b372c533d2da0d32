#!/usr/bin/env bash
# Installs the two reference filters for bench/compare (Debian 12 packages): SpamAssassin 4.0.1 (spamassassin,
# sa-learn, spamd, spamc) and rspamd 3.4, plus redis-server for rspamd's Bayes store. Idempotent and quiet: does
# nothing when every tool is present. Never starts a system service: the packages' postinst scripts ask
# invoke-rc.d, which obeys /usr/sbin/policy-rc.d; one that refuses (exit 101) is put in place for the install and
# removed afterwards if this script created it. bench/compare starts private instances on loopback itself.
set -euo pipefail
need=()
command -v sa-learn >/dev/null || need+=(spamassassin)
command -v spamc >/dev/null || need+=(spamc)
command -v spamd >/dev/null || [ -x /usr/sbin/spamd ] || need+=(spamd)
command -v rspamd >/dev/null || need+=(rspamd)
command -v redis-server >/dev/null || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: need root to install ${need[*]} (apt-get)" >&2
  exit 1
fi
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
log=$(mktemp)
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >"$log" 2>&1; then
  # a stale package list is the usual cause
  if ! { apt-get update -q >>"$log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >>"$log" 2>&1; }; then
    tail -20 "$log" >&2
    rm -f "$log"
    exit 1
  fi
fi
rm -f "$log"
