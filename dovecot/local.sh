#!/usr/bin/env bash
# A Dovecot of its own for the quick start (scripts/start.sh with DOVECOT=1) and the tests (test/mailbox): never the
# system one. Everything lives under DIR; IMAP and LMTP listen on 127.0.0.1 only.
#
#   bash dovecot/local.sh prepare DIR IMAP_PORT LMTP_PORT
#       Writes DIR/etc/dovecot.conf from dovecot/local/dovecot.conf.template and installs the mailbox loop exactly
#       as a provider would (dovecot/README.md): conf.d/90-spamfilter.conf with its /etc/dovecot/spamfilter prefix
#       pointed at DIR/spamfilter, the sieve scripts compiled with sievec, bin/spamfilter-mark, mark.conf and the key.
#       Reads DIR/users (one "address:password" a line), DIR/key (the mailbox service key, POST /v1/mailbox-keys)
#       and, if present, DIR/mark.env (extra mark.conf lines, e.g. SPAMFILTER_API_URL=...).
#   bash dovecot/local.sh run DIR
#       Runs that Dovecot in the foreground (Ctrl-C or SIGTERM stops it).
#
# The mail user (what a provider calls vmail; the hook runs as it): nobody when started as root, else the caller.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PREFIX=/etc/dovecot/spamfilter
die() { echo "dovecot/local.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: local.sh prepare DIR IMAP_PORT LMTP_PORT | local.sh run DIR"
cmd=$1
base=$(realpath -m -- "$2")
case $base in *'#'* | *' '*) die "DIR must not contain '#' or spaces: $base" ;; esac

prepare() {
  local imap=$1 lmtp=$2
  [ -x /usr/sbin/dovecot ] && [ -x /usr/bin/sievec ] && [ -e /usr/lib/dovecot/lmtp ] ||
    die "Dovecot is not installed (dovecot-imapd, dovecot-lmtpd, dovecot-sieve): bash scripts/services.sh up dovecot"
  [ -s "$base/users" ] || die "$base/users is missing (one address:password a line)"
  [ -s "$base/key" ] || die "$base/key is missing (the mailbox service key)"
  local uid gid
  if [ "$(id -u)" -eq 0 ]; then
    uid=$(id -u nobody)
    gid=$(id -g nobody)
  else
    uid=$(id -u)
    gid=$(id -g)
  fi
  mkdir -p "$base"/{etc,run,state,mailuser/mail,mailuser/spool,spamfilter}
  # Dovecot's unprivileged processes (imap-login, the mail user's imap and lmtp) must reach into it.
  chmod 755 "$base" "$base/spamfilter"
  rm -rf "$base/spamfilter/sieve" "$base/spamfilter/bin"
  cp -R "$HERE/sieve" "$HERE/bin" "$base/spamfilter/"
  install -m 600 "$base/key" "$base/spamfilter/key"
  {
    echo "# Written by dovecot/local.sh"
    echo "SPAMFILTER_SPOOL=$base/mailuser/spool"
    echo "SPAMFILTER_LOG_FILE=$base/mailuser/spamfilter-mark.log"
    [ -f "$base/mark.env" ] && cat "$base/mark.env"
  } >"$base/spamfilter/mark.conf"
  local line user pass
  : >"$base/etc/passwd"
  while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] || continue
    user=${line%%:*}
    pass=${line#*:}
    printf '%s:{PLAIN}%s::::::\n' "$user" "$pass" >>"$base/etc/passwd"
  done <"$base/users"
  chmod 644 "$base/etc/passwd"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R "$uid:$gid" "$base/mailuser"
    chown "$uid:$gid" "$base/spamfilter/key"
  fi
  sed "s#$PREFIX#$base/spamfilter#g" "$HERE/conf.d/90-spamfilter.conf" >"$base/etc/90-spamfilter.conf"
  sed -e "s#@BASE@#$base#g" -e "s#@IMAP_PORT@#$imap#g" -e "s#@LMTP_PORT@#$lmtp#g" \
    -e "s#@MAIL_UID@#$uid#g" -e "s#@MAIL_GID@#$gid#g" -e "s#@INSTANCE@#spamfilter-$(basename "$base")#g" \
    "$HERE/local/dovecot.conf.template" >"$base/etc/dovecot.conf"
  if [ "$(id -u)" -eq 0 ]; then
    rm -f "$base/etc/nonroot.conf"
  else
    sed -e "s#@USER@#$(id -un)#g" -e "s#@GROUP@#$(id -gn)#g" "$HERE/local/nonroot.conf.template" >"$base/etc/nonroot.conf"
  fi
  # Global scripts are compiled by the administrator: the mail user may not write beside them.
  sievec -c "$base/etc/dovecot.conf" "$base/spamfilter/sieve"
}

case $cmd in
  prepare)
    [ $# -eq 4 ] || die "usage: local.sh prepare DIR IMAP_PORT LMTP_PORT"
    prepare "$3" "$4"
    ;;
  run)
    [ -f "$base/etc/dovecot.conf" ] || die "$base is not prepared (local.sh prepare)"
    exec /usr/sbin/dovecot -F -c "$base/etc/dovecot.conf"
    ;;
  *) die "unknown command $cmd" ;;
esac
