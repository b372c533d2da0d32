import type { SymbolGroup } from '@spamfilter/domain';
import type { Policy } from './policy';

/**
 * The shipped defaults, as data (rspamd's `conf/scores.d` + `actions.conf` in spirit): the weight of every symbol a
 * built-in check can report, group caps and action thresholds. Checks refer to these weights by name when they declare
 * their symbols; they never hold a weight literal. Operators override per domain, users per account (policy.ts).
 *
 * Thresholds follow rspamd's defaults (greylist 4, add header 6, reject 15): inbound spam is tagged, not refused —
 * a false positive in Junk can be found, a rejected one cannot — and only very high scores are rejected.
 */
export const DEFAULT_WEIGHTS = {
  // auth — SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489), ARC (RFC 8617)
  R_SPF_ALLOW: -0.2,
  R_SPF_FAIL: 2.0,
  R_SPF_SOFTFAIL: 0.5,
  R_SPF_NEUTRAL: 0.1,
  R_SPF_NA: 0.2,
  R_SPF_PERMFAIL: 0.5,
  R_SPF_TEMPFAIL: 0,
  R_DKIM_ALLOW: -0.2,
  R_DKIM_REJECT: 1.5,
  R_DKIM_NA: 0,
  R_DKIM_PERMFAIL: 0.3,
  R_DKIM_TEMPFAIL: 0,
  DMARC_POLICY_ALLOW: -0.5,
  DMARC_POLICY_REJECT: 4.0,
  DMARC_POLICY_QUARANTINE: 2.0,
  DMARC_POLICY_SOFTFAIL: 0.3,
  DMARC_NA: 0,
  DMARC_TEMPFAIL: 0,
  ARC_ALLOW: -0.5,
  ARC_REJECT: 1.0,
  ARC_NA: 0,
  ARC_TEMPFAIL: 0,
  AUTH_TEMPFAIL: 0,
  // connection
  RDNS_NONE: 1.0,
  RDNS_NOT_FCRDNS: 0.5,
  RDNS_FCRDNS: -0.1,
  RDNS_TEMPFAIL: 0,
  HELO_NOT_FQDN: 1.0,
  HELO_IP_LITERAL: 1.0,
  HELO_RDNS_MISMATCH: 0.3,
  // The envelope's syntax (a sender's choice, so a score, never a reason to skip the scan)
  HELO_INVALID: 2.0,
  MAIL_FROM_INVALID: 2.0,
  DNSBL_TEMPFAIL: 0,
  // reputation (the filter's own history)
  IP_REPUTATION_SPAM: 3.0,
  IP_REPUTATION_HAM: -1.0,
  NET_REPUTATION_SPAM: 1.5,
  SENDER_DOMAIN_REPUTATION_SPAM: 2.0,
  SENDER_DOMAIN_REPUTATION_HAM: -1.0,
  REPUTATION_TEMPFAIL: 0,
  // lists: the more specific list wins by magnitude (a user's allow beats a global block)
  USER_ALLOW: -100,
  USER_BLOCK: 100,
  DOMAIN_ALLOW: -50,
  DOMAIN_BLOCK: 50,
  GLOBAL_ALLOW: -20,
  GLOBAL_BLOCK: 20,
  LISTS_TEMPFAIL: 0,
  LIST_ALLOW_UNVERIFIED: 0, // an allow that requires an aligned DMARC/SPF pass the message lacks: shown, not applied
  // content heuristics
  MISSING_SUBJECT: 2.0,
  REPLYTO_DIFF_FROM: 1.0,
  REPEATED_CHAR_SEPARATOR: 1.0,
  MARKETING_PHRASE: 1.5,
  EXECUTABLE_ATTACHMENT: 5.0,
  // An executable dressed as a document (invoice.pdf.exe) has no innocent use: at 4.0 it scored 3.7 with SPF passing
  // and was delivered untagged. 9 tags it on its own even with SPF, DKIM and DMARC passing (9 − 1.4), and a spammy
  // Bayes verdict beside it rejects (9 + 7 ≥ 15).
  DOUBLE_EXTENSION_ATTACHMENT: 9.0,
  MIME_HTML_ONLY: 0.5,
  URL_TEXT_HOST_MISMATCH: 3.0,
  MESSAGE_DEFECTS: 0.3,
  CONTENT_TEMPFAIL: 0,
  // archives (checks/archive, group content): zipping an executable is how it gets past attachment filters and the
  // mail client's warning, so one inside an archive weighs more than one attached as is (and tags on its own).
  // Encrypted archives also carry legitimate confidential mail; the password in the body is a dropper's hallmark
  // that the other signals (Bayes, content) must add to.
  ARCHIVE_EXECUTABLE: 7.0,
  ARCHIVE_DOUBLE_EXT: 9.0,
  ARCHIVE_ENCRYPTED: 2.5,
  ARCHIVE_TOO_DEEP: 3.0,
  ARCHIVE_BOMB: 6.0,
  ARCHIVE_UNREADABLE: 1.0,
  ARCHIVE_TEMPFAIL: 0,
  // antivirus (ClamAV, group antivirus, uncapped): a virus is refused whatever else the message has going for it.
  // 200 outweighs every allow-list and ham signal together (at most −170 − 3 − 3 − 2 − 2), because a trusted
  // sender's hijacked account is exactly how malware arrives. A policy may still lower it.
  CLAMAV_VIRUS: 200,
  CLAMAV_SKIPPED: 0,
  CLAMAV_TEMPFAIL: 0,
  // bayes (dynamic: factor from the probability)
  BAYES_SPAM: 7.0,
  BAYES_HAM: -3.0,
  BAYES_TEMPFAIL: 0,
  // campaigns (checks/campaign): a near-copy of mail several users marked spam (or ARF complaints reported). 6 tags it
  // on its own (what those users asked for, seconds after their marks) and still needs other evidence to reject.
  CAMPAIGN: 6.0,
  CAMPAIGN_TEMPFAIL: 0,
  // greylisting state (informational; the action comes from the policy)
  GREYLIST: 0,
  GREYLIST_TEMPFAIL: 0,
} as const satisfies Record<string, number>;

export type DefaultSymbolName = keyof typeof DEFAULT_WEIGHTS;

/** Group caps bound how much one family of signals can add (or take away): many weak content hits ≠ proof. */
export const DEFAULT_GROUP_CAPS: Readonly<Partial<Record<SymbolGroup, { readonly max?: number; readonly min?: number }>>> = {
  auth: { max: 8, min: -2 },
  connection: { max: 6, min: -2 },
  reputation: { max: 6, min: -3 },
  content: { max: 12 },
};

export const DEFAULT_POLICY: Policy = {
  thresholds: { greylist: 4, tag: 6, reject: 15 },
  weights: {},
  groupCaps: DEFAULT_GROUP_CAPS,
  greylisting: { enabled: true, minDelaySeconds: 300, pendingTtlSeconds: 4 * 3600, passTtlSeconds: 36 * 24 * 3600 },
  tagHeaders: { subjectPrefix: null, symbolsHeader: true },
  outbound: { hold: 8, reject: 15 },
};
