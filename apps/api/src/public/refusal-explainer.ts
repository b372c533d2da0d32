import type { Action, ScoredSymbol } from '@spamfilter/domain';

/**
 * Plain words for the public "why was my mail refused?" page, from the symbols of one scan record. Written for the
 * person who sent the mail (often not a mail administrator): what went wrong and what to fix, nothing about the
 * recipient, the scores or the filter's internals beyond that.
 */
export type ReasonKind =
  | 'spf'
  | 'dkim'
  | 'dmarc'
  | 'rdns'
  | 'helo'
  | 'blocklist'
  | 'reputation'
  | 'content'
  | 'attachment'
  | 'links'
  | 'list'
  | 'rate'
  | 'account';

export interface RefusalReason {
  readonly kind: ReasonKind;
  /** One sentence: what we saw. */
  readonly what: string;
  /** One sentence: what to do about it. */
  readonly fix: string;
}

export interface RefusalFacts {
  readonly action: Action;
  readonly symbols: readonly Pick<ScoredSymbol, 'name' | 'group' | 'score' | 'options'>[];
  /** The envelope sender's domain ('' for bounces). */
  readonly senderDomain: string;
  readonly clientIp: string;
}

export interface RefusalExplanation {
  readonly headline: string;
  readonly reasons: readonly RefusalReason[];
  /** True when asking for a review can help (not for rate limits or a blocked account of our own customer). */
  readonly reviewable: boolean;
}

type Explain = (f: RefusalFacts, s: RefusalFacts['symbols'][number]) => RefusalReason;

const domainOr = (f: RefusalFacts) => f.senderDomain || 'your domain';

/** Symbol → reason. Symbols not listed here are not explained one by one (they fall under "content" if spammy). */
const EXPLAIN: Readonly<Record<string, Explain>> = {
  R_SPF_FAIL: (f) => ({
    kind: 'spf',
    what: `Your server (${f.clientIp}) is not allowed to send mail for ${domainOr(f)}: the domain's SPF record does not list it.`,
    fix: `Fix SPF: add this server to the SPF record of ${domainOr(f)}, or send through a server the record already lists.`,
  }),
  R_SPF_SOFTFAIL: (f) => ({
    kind: 'spf',
    what: `The SPF record of ${domainOr(f)} says your server (${f.clientIp}) is probably not allowed to send for it.`,
    fix: `Fix SPF: add this server to the SPF record of ${domainOr(f)}.`,
  }),
  R_SPF_PERMFAIL: (f) => ({
    kind: 'spf',
    what: `The SPF record of ${domainOr(f)} is broken and could not be evaluated.`,
    fix: 'Fix the SPF record (syntax, or more than 10 DNS look-ups, RFC 7208 §4.6.4); an SPF checker shows the error.',
  }),
  R_DKIM_REJECT: () => ({
    kind: 'dkim',
    what: 'The DKIM signature of the message did not verify: the message was changed after signing, or the key in DNS does not match.',
    fix: 'Check the DKIM key published in DNS and that nothing rewrites the message after it is signed.',
  }),
  DMARC_POLICY_REJECT: (f) => ({
    kind: 'dmarc',
    what: `${domainOr(f)} publishes a DMARC policy of reject, and this message passed neither an aligned SPF nor an aligned DKIM check.`,
    fix: `Make SPF or DKIM pass for ${domainOr(f)} itself (aligned with the From address).`,
  }),
  DMARC_POLICY_QUARANTINE: (f) => ({
    kind: 'dmarc',
    what: `${domainOr(f)} publishes a DMARC policy of quarantine, and this message failed it.`,
    fix: `Make SPF or DKIM pass for ${domainOr(f)} itself (aligned with the From address).`,
  }),
  RDNS_NONE: (f) => ({
    kind: 'rdns',
    what: `Your server's address (${f.clientIp}) has no reverse DNS name.`,
    fix: 'Ask whoever provides the IP address (your hosting or Internet provider) to set a PTR record naming the server.',
  }),
  RDNS_NOT_FCRDNS: (f) => ({
    kind: 'rdns',
    what: `The reverse DNS name of your server's address (${f.clientIp}) does not point back to that address.`,
    fix: 'Make the PTR name resolve (A/AAAA record) to the same address.',
  }),
  HELO_NOT_FQDN: () => ({
    kind: 'helo',
    what: 'Your server introduced itself (HELO/EHLO) with a name that is not a full domain name.',
    fix: "Configure the server's HELO name as its full host name, e.g. mail.example.com.",
  }),
  HELO_IP_LITERAL: () => ({
    kind: 'helo',
    what: 'Your server introduced itself (HELO/EHLO) with a bare IP address.',
    fix: "Configure the server's HELO name as its full host name.",
  }),
  IP_REPUTATION_SPAM: (f) => ({
    kind: 'reputation',
    what: `A lot of recent mail from your server's address (${f.clientIp}) was spam.`,
    fix: 'Check the server for a compromised account or script sending spam, stop it, and then ask for a review.',
  }),
  NET_REPUTATION_SPAM: (f) => ({
    kind: 'reputation',
    what: `A lot of recent mail from your server's network (${f.clientIp}) was spam.`,
    fix: 'If you share the network with others, ask your provider about it; then ask for a review.',
  }),
  SENDER_DOMAIN_REPUTATION_SPAM: (f) => ({
    kind: 'reputation',
    what: `A lot of recent mail from ${domainOr(f)} was spam.`,
    fix: 'Check the accounts of your domain for one that sends spam, stop it, and then ask for a review.',
  }),
  GLOBAL_BLOCK: () => listReason(),
  DOMAIN_BLOCK: () => listReason(),
  USER_BLOCK: () => ({
    kind: 'list',
    what: 'The recipient has blocked your address.',
    fix: 'Contact the recipient by other means; the provider cannot lift a block the recipient set.',
  }),
  EXECUTABLE_ATTACHMENT: () => ({
    kind: 'attachment',
    what: 'The message carries a program file as an attachment.',
    fix: 'Do not send programs by mail; share them through a download link instead.',
  }),
  DOUBLE_EXTENSION_ATTACHMENT: () => ({
    kind: 'attachment',
    what: 'An attachment has a double file extension (such as invoice.pdf.exe), a common trick of malware.',
    fix: 'Rename the file to a single, honest extension.',
  }),
  CLAMAV_VIRUS: (_f, s) => ({
    kind: 'attachment',
    what: `The message carries malware (${s.options[0] ?? 'a virus'}), found by the recipients' virus scanner.`,
    fix: 'Check the computer or account that sent it with an up-to-date virus scanner, and do not send the file again.',
  }),
  ARCHIVE_EXECUTABLE: () => ({
    kind: 'attachment',
    what: 'A compressed (zip) attachment contains a program file.',
    fix: 'Do not send programs by mail, zipped or not; share them through a download link instead.',
  }),
  ARCHIVE_DOUBLE_EXT: () => ({
    kind: 'attachment',
    what: 'A zip attachment contains a file with a double extension (such as invoice.pdf.exe), a common trick of malware.',
    fix: 'Rename the file to a single, honest extension.',
  }),
  URL_TEXT_HOST_MISMATCH: () => ({
    kind: 'links',
    what: 'A link shows one web address but leads to another, as phishing mail does.',
    fix: 'Make the visible text of each link match where it leads.',
  }),
  LOOKALIKE_DOMAIN: () => ({
    kind: 'links',
    what: 'The message names a domain written to look like another one (such as paypa1.com for paypal.com), as phishing mail does.',
    fix: 'Link to and write only your own, real domain names.',
  }),
  PUNYCODE_LOOKALIKE: () => ({
    kind: 'links',
    what: 'The message uses an international domain name whose letters imitate a familiar Latin-letter domain.',
    fix: 'Link to and send from your domain as it is usually written.',
  }),
  IMPERSONATED_INSTITUTION: () => ({
    kind: 'content',
    what: 'The sender name shows a bank or a well-known brand, but the message comes from a domain that is not theirs.',
    fix: 'Use your own organisation’s name as the sender name, or send from the domain of the organisation you name.',
  }),
  CREDENTIAL_FORM: () => ({
    kind: 'content',
    what: 'The message contains a form asking for a password, PIN or card number.',
    fix: 'Never ask for passwords or card numbers by mail; send people to your own website instead.',
  }),
  GTUBE: () => ({
    kind: 'content',
    what: 'The message contains the GTUBE test pattern, a string that mail filters refuse by design so that they can be tested.',
    fix: 'Remove the test pattern: it is only for testing spam filters.',
  }),
  CAMPAIGN: () => ({
    kind: 'content',
    what: "Several of the provider's users have reported near-copies of this message as spam.",
    fix: 'Send only to people who asked for your mail, and make unsubscribing easy.',
  }),
  MISSING_SUBJECT: () => ({
    kind: 'content',
    what: 'The message has no subject.',
    fix: 'Give the message a subject.',
  }),
  OUTBOUND_ACCOUNT_BLOCKED: () => ({
    kind: 'account',
    what: 'The sending account is blocked because it recently sent spam.',
    fix: 'Secure the account (change its password, check for malware), then contact your provider to unblock it.',
  }),
};

function listReason(): RefusalReason {
  return {
    kind: 'list',
    what: "Your address, domain or server is on the mail provider's block list.",
    fix: 'If you believe this is a mistake, ask for a review below.',
  };
}

const RATE_SYMBOLS = /^OUTBOUND_(RATE_|TOO_MANY_RCPTS|DISTINCT_RCPTS|FAILED_RCPT_RATIO)/;

function explainOne(f: RefusalFacts, s: RefusalFacts['symbols'][number]): RefusalReason | null {
  const known = EXPLAIN[s.name];
  if (known) return known(f, s);
  if (RATE_SYMBOLS.test(s.name)) {
    return {
      kind: 'rate',
      what: 'The account sent more mail than its limit allows.',
      fix: 'Wait and send again later, or ask your provider for a higher limit.',
    };
  }
  // DNS block lists are configured by zone (DNSBL_ZONES), so their symbols have no fixed names: any other positive
  // connection symbol is one.
  if (s.group === 'connection' && s.score > 0 && !/TEMPFAIL$/.test(s.name)) {
    return {
      kind: 'blocklist',
      what: `Your server's address (${f.clientIp}) is on a public DNS block list.`,
      fix: "Find out why (the block list's web site has a look-up), fix the cause, then ask the list to delist the address.",
    };
  }
  return null;
}

/** Actions whose SMTP reply carried the reference to the sender; the public page knows no other messages. */
export const REFUSING: ReadonlySet<Action> = new Set<Action>(['reject', 'block', 'defer', 'greylist']);

export function explainRefusal(f: RefusalFacts): RefusalExplanation {
  const reasons: RefusalReason[] = [];
  const seen = new Set<string>();
  const spammy = [...f.symbols].filter(
    (s) => s.score > 0 || s.name === 'OUTBOUND_ACCOUNT_BLOCKED' || RATE_SYMBOLS.test(s.name),
  );
  spammy.sort((a, b) => b.score - a.score);
  let contentScore = 0;
  for (const s of spammy) {
    const r = explainOne(f, s);
    if (!r) {
      if (s.group === 'content' || s.group === 'bayes' || s.group === 'outbound') contentScore += s.score;
      continue;
    }
    const key = `${r.kind}:${r.what}`;
    if (seen.has(key)) continue;
    seen.add(key);
    reasons.push(r);
  }
  if (contentScore > 0) {
    reasons.push({
      kind: 'content',
      what: "The wording and make-up of the message resemble spam the recipients' provider has seen.",
      fix: 'Avoid sales phrases in capitals, link shorteners and image-only mail; send to people who asked for your mail.',
    });
  }
  const headline = !REFUSING.has(f.action)
    ? 'This message was not refused.'
    : f.action === 'defer' || f.action === 'greylist'
      ? 'This message was delayed, not refused: your server should send it again later.'
      : 'This message was refused.';
  // A deferral because the virus scanner could not run (CLAMAV_ON_FAILURE=defer) says nothing about the message.
  if (
    (f.action === 'greylist' || f.action === 'defer') &&
    reasons.length === 0 &&
    f.symbols.some((s) => s.name === 'CLAMAV_TEMPFAIL')
  ) {
    reasons.push({
      kind: 'attachment',
      what: "The recipients' virus scanner could not check the message at that moment.",
      fix: 'Nothing to fix: your server sends it again by itself, and it is delivered once it has been checked.',
    });
  }
  if (REFUSING.has(f.action) && reasons.length === 0) {
    reasons.push({
      kind: 'content',
      what: 'Several small signs together made the message look like spam.',
      fix: 'Ask for a review below.',
    });
  }
  const reviewable = !reasons.some((r) => r.kind === 'rate' || r.kind === 'account') && f.action === 'reject';
  return { headline, reasons, reviewable };
}
