#!/usr/bin/env bash
# Gives each Haraka config dir named a key and certificate for STARTTLS (tls_key.pem, tls_cert.pem), made once and
# self-signed for localhost: the quick start and the tests use them. Production puts its own CA-signed pair there
# (see `haraka -h tls`); this script leaves an existing pair alone. Also the DH parameters (dhparams.pem): the
# RFC 7919 ffdhe2048 group, written at once — without the file Haraka runs `openssl dhparam 2048` itself at every
# start, seconds to a minute of CPU.
set -euo pipefail
if ! command -v openssl >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "tls-cert: installing openssl" >&2
  apt=(apt-get -y -q -o DPkg::Lock::Timeout=300)
  "${apt[@]}" install --no-install-recommends openssl >&2 || { "${apt[@]}" update >&2 && "${apt[@]}" install --no-install-recommends openssl >&2; }
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "tls-cert: openssl is required to make the quick start's certificate (apt-get install openssl)" >&2
  exit 1
fi
for dir in "$@"; do
  [ -s "$dir/dhparams.pem" ] || openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$dir/dhparams.pem" 2>/dev/null
  if [ -s "$dir/tls_key.pem" ] && [ -s "$dir/tls_cert.pem" ]; then continue; fi
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/tls_key.pem" -out "$dir/tls_cert.pem" 2>/dev/null
  chmod 600 "$dir/tls_key.pem"
done
