# Delivery (LMTP): mail the filter tagged goes to Junk. The filter sets X-Spam-Flag: YES on the copy of recipients
# whose action is `tag`, about that copy's recipients only, and removes any X-Spam-* header a sender forged, so this
# header is ours. Runs before the user's own script (sieve_before); `stop` keeps that script from filing it again.
require ["fileinto", "mailbox"];

if header :is "X-Spam-Flag" "YES" {
  fileinto :create "Junk";
  stop;
}
