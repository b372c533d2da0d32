/**
 * Each symbol of a verdict in plain words, for the person whose mail it is (not a mail administrator): what the
 * filter noticed, and whether it counted for or against the message. The server's description (the check's own,
 * technical) stays available to operators. A symbol without words here falls back to that description.
 */
export interface SymbolLike {
  readonly name: string;
  readonly score: number;
  readonly description?: string;
  readonly options?: readonly string[];
}

type Words = string | ((options: readonly string[]) => string);

const first = (o: readonly string[]): string => o[0] ?? '';

const PLAIN: Readonly<Record<string, Words>> = {
  BAYES_SPAM: (o) =>
    `It resembles mail you and others marked as spam${o[0] ? ` (${first(o)} likely spam)` : ''}.`,
  BAYES_HAM: (o) => `It resembles mail you and others wanted${o[0] ? ` (${first(o)} likely spam)` : ''}.`,
  R_SPF_ALLOW: "The sending server is allowed to send for the sender's domain.",
  R_SPF_FAIL: "The sender's domain says this server may not send its mail — a sign of forgery.",
  R_SPF_SOFTFAIL: "The sender's domain says this server probably may not send its mail.",
  R_SPF_NA: "The sender's domain does not say which servers may send its mail.",
  R_SPF_PERMFAIL: "The sender's domain has a broken sender policy (SPF).",
  R_DKIM_ALLOW: "The message carries a valid signature of the sender's domain.",
  R_DKIM_REJECT: 'The message carries a signature that does not match: it may have been changed on the way.',
  R_DKIM_NA: 'The message is not signed.',
  DMARC_POLICY_ALLOW: "The From address passed its domain's authentication (DMARC).",
  DMARC_POLICY_REJECT:
    "The From address failed its domain's authentication, and the domain asks to refuse such mail.",
  DMARC_POLICY_QUARANTINE:
    "The From address failed its domain's authentication, and the domain asks to treat it as suspicious.",
  DMARC_POLICY_SOFTFAIL: "The From address failed its domain's authentication.",
  MISSING_SUBJECT: 'The message has no subject.',
  REPLYTO_DIFF_FROM: "Replies would go to a different domain than the sender's.",
  REPEATED_CHAR_SEPARATOR: 'It uses long runs of one character as separators (newsletters and lists do too).',
  MARKETING_PHRASE: 'It contains phrases typical of spam.',
  EXECUTABLE_ATTACHMENT: 'It has a program or script attached.',
  DOUBLE_EXTENSION_ATTACHMENT: 'An attachment pretends to be a document but is a program.',
  MIME_HTML_ONLY: 'It is HTML only, without a plain-text version.',
  URL_TEXT_HOST_MISMATCH: 'A link shows one web address but leads to another.',
  SPOOF_DISPLAY_NAME: "The sender's name shows another organisation's address.",
  IMPERSONATED_INSTITUTION: (o) =>
    `The sender's name is a bank or a well-known brand, but the mail comes from another domain${o[0] ? ` (${first(o)})` : ''}.`,
  LOOKALIKE_DOMAIN: (o) =>
    `It names a web address written to look like another one${o[0] ? ` (${first(o)})` : ''}.`,
  PUNYCODE_LOOKALIKE: 'It uses a web address whose letters imitate a familiar one.',
  CREDENTIAL_FORM: 'It contains a form asking for a password, PIN or card number.',
  CREDENTIAL_LURE_LINK: 'It asks you to confirm or unlock an account and links to another organisation.',
  URL_SHORTENER: 'It hides where a link goes behind a link shortener.',
  GTUBE: 'It contains the standard spam test pattern.',
  IP_REPUTATION_SPAM: 'The sending server recently sent mostly spam.',
  IP_REPUTATION_HAM: 'The sending server recently sent mostly wanted mail.',
  NET_REPUTATION_SPAM: "The sending server's network recently sent mostly spam.",
  SENDER_DOMAIN_REPUTATION_SPAM: "The sender's domain recently sent mostly spam.",
  SENDER_DOMAIN_REPUTATION_HAM: "The sender's domain recently sent mostly wanted mail.",
  RDNS_NONE: 'The sending server has no name.',
  RDNS_NOT_FCRDNS: "The sending server's name does not match its address.",
  RDNS_FCRDNS: "The sending server's name matches its address.",
  HELO_NOT_FQDN: 'The sending server introduced itself with an incomplete name.',
  HELO_INVALID: 'The sending server introduced itself with an invalid name.',
  MAIL_FROM_INVALID: 'The sender address is not valid.',
  USER_ALLOW: 'The sender is on your allow list.',
  USER_BLOCK: 'The sender is on your block list.',
  DOMAIN_ALLOW: "The sender is on your domain's allow list.",
  DOMAIN_BLOCK: "The sender is on your domain's block list.",
  GLOBAL_ALLOW: "The sender is on the provider's allow list.",
  GLOBAL_BLOCK: "The sender is on the provider's block list.",
  LIST_ALLOW_UNVERIFIED:
    'The sender is on an allow list, but the message could not prove it really comes from them.',
  CLAMAV_VIRUS: (o) => `A virus was found${o[0] ? `: ${first(o)}` : ''}.`,
  ARCHIVE_EXECUTABLE: 'A ZIP attachment contains a program or script.',
  ARCHIVE_DOUBLE_EXT: 'A ZIP attachment contains a program disguised as a document.',
  ARCHIVE_ENCRYPTED: 'A ZIP attachment is encrypted, so it could not be checked.',
  ARCHIVE_BOMB: 'A ZIP attachment is built to overwhelm scanners.',
  GREYLIST: 'The sender was asked to try again later, as unknown senders are.',
  OUTBOUND_AUP: (o) => `It matched the provider's acceptable-use rule${o[0] ? ` "${first(o)}"` : ''}.`,
  OUTBOUND_ACCOUNT_BLOCKED: 'The sending account is blocked.',
};

/** Plain words for one symbol. */
export function plainWords(s: SymbolLike): string {
  const words = PLAIN[s.name];
  if (typeof words === 'function') return words(s.options ?? []);
  if (words) return words;
  if (s.name.endsWith('_TEMPFAIL')) return 'One of the checks could not run this time; it did not count.';
  return s.description
    ? `${s.description.replace(/\s*\([^)]*RFC[^)]*\)/g, '')}.`.replace(/\.\.$/, '.')
    : s.name;
}

/** How a symbol weighed: toward spam, toward wanted mail, or not at all. */
export function leaning(score: number): 'spam' | 'ham' | 'none' {
  if (score > 0) return 'spam';
  if (score < 0) return 'ham';
  return 'none';
}

/** The symbols that decided, heaviest first (by absolute score), zeros last. */
export function bySignificance<T extends SymbolLike>(symbols: readonly T[]): T[] {
  return [...symbols].sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.name.localeCompare(b.name));
}
