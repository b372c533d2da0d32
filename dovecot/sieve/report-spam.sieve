# IMAPSieve: a message was moved or copied into Junk — the user says it is spam. The pipe program spools it and
# returns at once (dovecot/bin/spamfilter-mark). :copy keeps the message where the user put it.
require ["vnd.dovecot.pipe", "copy", "imapsieve", "environment", "variables"];

# The user's mail address (imap.email), or the login name when Dovecot knows no address for the user.
if environment :matches "imap.user" "*" {
  set "user" "${1}";
}
if environment :matches "imap.email" "?*" {
  set "user" "${0}";
}

pipe :copy "spamfilter-mark" ["spam", "${user}"];
