# IMAPSieve: a message was moved or copied out of Junk into another mailbox — the user says it is not spam. A move
# to Trash says nothing about the message (the user is deleting spam), so it is not reported.
require ["vnd.dovecot.pipe", "copy", "imapsieve", "environment", "variables"];

if environment :matches "imap.mailbox" "*" {
  set "mailbox" "${1}";
}
if string :is "${mailbox}" ["Trash", "Junk"] {
  stop;
}

if environment :matches "imap.user" "*" {
  set "user" "${1}";
}
if environment :matches "imap.email" "?*" {
  set "user" "${0}";
}

pipe :copy "spamfilter-mark" ["ham", "${user}"];
