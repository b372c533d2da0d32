import { domainToUnicode } from 'node:url';
import { registrableDomain, type ParsedMessage } from '@spamfilter/mail';

/*
 * Pure helpers of the phishing symbols (content.check.ts): look-alike and punycode domains, credential forms and
 * credential-lure links, URL shorteners. Each looks only at the parsed message; the weights are in libs/scoring.
 */

/**
 * Characters that render like a Latin letter or digit in the fonts mail clients use, mapped to it: the Cyrillic and
 * Greek homoglyphs of Unicode's confusables list (UTS #39 §4, confusables.txt, the lower-case entries whose prototype
 * is one ASCII letter), full-width forms, and the ASCII look-alikes of domain spoofing (0/o, 1/l, rn/m, vv/w).
 */
const CONFUSABLE: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  с: 'c',
  ԁ: 'd',
  е: 'e',
  һ: 'h',
  і: 'i',
  ј: 'j',
  ӏ: 'l',
  о: 'o',
  р: 'p',
  ԛ: 'q',
  ѕ: 's',
  у: 'y',
  ԝ: 'w',
  х: 'x',
  ү: 'y',
  // Greek
  α: 'a',
  ι: 'i',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  υ: 'u',
  // Latin letters outside ASCII that pass for ASCII ones
  ı: 'i',
  ɡ: 'g',
  ɩ: 'i',
  ℓ: 'l',
  // ASCII read as other ASCII in domain spoofing
  '0': 'o',
  '1': 'l',
  '|': 'l',
};

/** Full-width ASCII (U+FF01–FF5E) to ASCII. */
function halfWidth(c: string): string {
  const cp = c.codePointAt(0) as number;
  return cp >= 0xff01 && cp <= 0xff5e ? String.fromCodePoint(cp - 0xfee0) : c;
}

/**
 * The skeleton of a domain (UTS #39 §4 in spirit, for domain names): lower case, punycode decoded, each confusable
 * character replaced by its prototype, and the multi-letter look-alikes folded (rn → m, vv → w, cl → d). Two
 * different domains with one skeleton look the same to a reader: paypal.com, paypa1.com and раураl.com (Cyrillic)
 * all give "paypal.com".
 */
export function skeleton(domain: string): string {
  const unicode = domain.includes('xn--') ? domainToUnicode(domain) || domain : domain;
  let out = '';
  for (const ch of unicode.toLowerCase()) {
    const c = halfWidth(ch);
    out += CONFUSABLE[c] ?? c;
  }
  return out.replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/cl/g, 'd');
}

/** Whether `c` is ASCII or a character with an ASCII prototype (the alphabet an imitation is written in). */
function imitatesAscii(c: string): boolean {
  return c.charCodeAt(0) < 128 || CONFUSABLE[halfWidth(c)] !== undefined || halfWidth(c) !== c;
}

/**
 * An internationalised (punycode, `xn--`) host written to pass for an ASCII one: every character of its Unicode form
 * is ASCII or a homoglyph of an ASCII character, and at least one is not ASCII (раураl.com, "pаypal.com" with a
 * Cyrillic а). Genuine IDNs use letters with no ASCII twin (bücher.de, 例え.jp) and are left alone: RFC 5890 names
 * are legitimate, imitations of ASCII names are the attack (UTS #39 §5.2, "mixed-script confusables").
 */
export function punycodeImitation(host: string): string | null {
  if (!host.includes('xn--')) return null;
  const unicode = domainToUnicode(host);
  if (!unicode || unicode === host) return null;
  const chars = [...unicode];
  if (!chars.some((c) => c.charCodeAt(0) >= 128)) return null;
  return chars.every(imitatesAscii) ? unicode : null;
}

/**
 * The registrable domains a message shows its reader or claims to come from: the From and Reply-To domains, an
 * address in the From display name, the hosts of its links and the hosts its link texts show.
 */
export function claimedDomains(m: ParsedMessage): Set<string> {
  const out = new Set<string>();
  const add = (host: string | null | undefined): void => {
    if (!host) return;
    const h = host.toLowerCase().replace(/\.$/, '');
    if (!/\./.test(h) || /^[\d.]+$/.test(h)) return;
    out.add(registrableDomain(h));
  };
  const domain = (address: string | undefined): string | null => {
    const at = address?.lastIndexOf('@') ?? -1;
    return address && at >= 0 ? address.slice(at + 1) : null;
  };
  add(domain(m.from?.address));
  for (const r of m.replyTo) add(domain(r.address));
  add(/@((?:[a-z0-9-]+\.)+[a-z]{2,})/i.exec(m.from?.name ?? '')?.[1]);
  for (const link of m.links.slice(0, 200)) {
    add(link.host);
    if (link.text) add(/^\s*(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})/i.exec(link.text)?.[1]);
  }
  return out;
}

/**
 * Pairs of different domains of one message that look the same (one skeleton): "paypa1.com ≈ paypal.com". The
 * message names the real one (in From, a link text, a footer link) and sends the reader to the other. Domains of one
 * organisation are one registrable domain already, so they never pair.
 */
export function lookalikePairs(domains: ReadonlySet<string>): string[] {
  const bySkeleton = new Map<string, string[]>();
  for (const d of domains) {
    const k = skeleton(d);
    const list = bySkeleton.get(k);
    if (list) list.push(d);
    else bySkeleton.set(k, [d]);
  }
  const out: string[] = [];
  for (const [k, list] of bySkeleton) {
    if (list.length < 2) continue;
    // the one written as its own skeleton is the real one; the others imitate it
    const real = list.find((d) => d === k) ?? (list[0] as string);
    for (const d of list) if (d !== real) out.push(`${d} ≈ ${real}`);
  }
  return out;
}

/** Input fields that ask for a secret or an account: password, PIN, card and security codes, social security numbers. */
const SECRET_FIELD =
  /^(?:pass|passwd|password|pwd|pin|pincode|cvv2?|cvc|csc|ssn|social|cc|ccnum|cardnum(?:ber)?|card_?number|creditcard|expdate|exp_?(?:month|year)|account_?(?:number|no|num)|acctnum|routing|mmn|mothers?_?maiden(?:_?name)?)$|pass(?:word|wd)|card_?num|security_?code/i;

/**
 * A form in the message that asks for a secret (RFC 1866 forms have no business in mail: a genuine service sends the
 * reader to its site): an `<input type=password>`, or a field named for a password, PIN, card number or code,
 * social security number or account number. Search boxes and newsletter sign-ups (q, query, email) are not secrets.
 */
export function credentialForm(html: string | null): string | null {
  if (!html || html.length === 0) return null;
  const lower = html.length > 500_000 ? html.slice(0, 500_000) : html;
  if (!/<form[\s>]/i.test(lower)) return null;
  const inputs = lower.match(/<input\b[^>]{0,500}>/gi) ?? [];
  for (const input of inputs.slice(0, 200)) {
    if (/\btype\s*=\s*["']?password\b/i.test(input)) return 'input type=password';
    const name = /\b(?:name|id)\s*=\s*["']?([\w.-]{1,60})/i.exec(input)?.[1];
    if (name && SECRET_FIELD.test(name)) return `input ${name.toLowerCase()}`;
  }
  return null;
}

/**
 * Wording that sends the reader to sign in or hand over account details — the pretext of credential phishing
 * (verify, confirm, update, unlock, reactivate an account, billing or identity; sign in to avoid suspension).
 */
const LURE = new RegExp(
  [
    // verify / confirm / update … your account, identity, billing, card …
    String.raw`\b(?:verify|confirm|update|validate|unlock|restore|reactivate|re-activate|secure)\s+(?:your\s+|the\s+)?(?:online\s+|bank\s+|paypal\s+|ebay\s+|e-mail\s+|email\s+)?(?:account|identity|billing|payment|banking|information|records|details|password|login)\b`,
    // the account is (or will be) suspended, limited, locked …
    String.raw`\b(?:account|access)\s+(?:has\s+been\s+|was\s+|will\s+be\s+|may\s+be\s+)?(?:suspended|limited|locked|restricted|disabled|deactivated|closed)\b`,
    String.raw`\baccount\b[^.]{0,60}\bsuspension\b`,
    // sign in to your account, sign on immediately
    String.raw`\b(?:log|sign)\s*(?:in|on)\s+(?:to\s+)?(?:your\s+)?account\b|\b(?:log|sign)\s*(?:in|on)\s+(?:immediately|now|below)\b`,
    String.raw`\bunauthori[sz]ed\s+(?:access|login|activity|transactions?)\b`,
    // not "user ID and password" or "card number": sites that mail their customers a login say that too (60 of
    // 19,088 Enron ham, against 4 without it)
  ].join('|'),
  'i',
);

/**
 * A credential lure: lure wording in the subject or the first part of the text, and a link to another organisation
 * than the From domain's (a bank's genuine notice links to the bank). Null when the message has no such link.
 */
export function credentialLure(m: ParsedMessage, fromDomain: string | null): string | null {
  const text = `${m.subject ?? ''}\n${m.text.length > 20_000 ? m.text.slice(0, 20_000) : m.text}`;
  const lure = LURE.exec(text);
  if (!lure) return null;
  const own = fromDomain ? registrableDomain(fromDomain) : null;
  const away = m.links.find((l) => l.host !== '' && registrableDomain(l.host) !== own);
  return away ? `"${lure[0].toLowerCase().replace(/\s+/g, ' ')}" → ${away.host}` : null;
}

/**
 * URL shorteners: the destination is hidden from the reader and from every filter that reads the link (one hop more
 * than the mail carries). Registrable domains; public services only.
 */
export const URL_SHORTENERS: ReadonlySet<string> = new Set([
  'bit.ly',
  'bitly.com',
  'tinyurl.com',
  'goo.gl',
  't.co',
  'ow.ly',
  'is.gd',
  'v.gd',
  'buff.ly',
  'rebrand.ly',
  'cutt.ly',
  'shorturl.at',
  'tiny.cc',
  'rb.gy',
  't.ly',
  's.id',
  'bl.ink',
  'shorte.st',
  'adf.ly',
  'x.co',
  'lnkd.in',
  'soo.gd',
  'clck.ru',
  'qrco.de',
  'tinyurl.at',
  'urlz.fr',
  'short.io',
  'snip.ly',
  'mcaf.ee',
  'db.tt',
  'po.st',
  'u.to',
  'ity.im',
  'tr.im',
  'cli.gs',
  'su.pr',
  'twurl.nl',
  'snipurl.com',
  'shorturl.com',
  'qr.net',
  '1url.com',
  'bc.vc',
  'budurl.com',
]);

/** The shortener hosts among the links (at most `max`). */
export function shortenerLinks(m: ParsedMessage, max = 3): string[] {
  const out = new Set<string>();
  for (const l of m.links) {
    if (l.host === '') continue;
    const d = registrableDomain(l.host);
    if (URL_SHORTENERS.has(d) || URL_SHORTENERS.has(l.host)) out.add(l.host);
    if (out.size >= max) break;
  }
  return [...out];
}

/**
 * Brands that phishing names in the From display name, each with the labels of the registrable domains it sends
 * from (`bankofamerica` for bankofamerica.com, notify.bankofamerica.com …). `strict`: the name is also a given name
 * or an everyday word (Chase, Visa, Apple, Amazon), so it counts only when the rest of the display name is service
 * words ("Chase Online", "Apple Support"), never in "Chase Miller".
 */
const BRANDS: readonly {
  readonly name: RegExp;
  readonly labels: readonly string[];
  readonly strict?: true;
}[] = [
  { name: /\bpay\s?pal\b/i, labels: ['paypal', 'paypal-communication', 'paypal-notice'] },
  { name: /\be-?bay\b/i, labels: ['ebay', 'ebay-mail'] },
  { name: /\bciti\s?(?:bank|group|cards?)?\b/i, labels: ['citi', 'citibank', 'citigroup', 'citicards'] },
  { name: /\bbank\s+of\s+america\b|\bbofa\b/i, labels: ['bankofamerica', 'bofa', 'ml', 'merrilledge'] },
  { name: /\bwells\s?fargo\b/i, labels: ['wellsfargo', 'wf'] },
  { name: /\bchase\b/i, labels: ['chase', 'jpmorgan', 'jpmorganchase', 'jpmchase'], strict: true },
  { name: /\bj\.?\s?p\.?\s?morgan\b/i, labels: ['jpmorgan', 'jpmorganchase', 'chase', 'jpmchase'] },
  { name: /\bhsbc\b/i, labels: ['hsbc'] },
  { name: /\bbarclays?(?:card)?\b/i, labels: ['barclays', 'barclaycard', 'barclaycardus'] },
  { name: /\blloyds\b/i, labels: ['lloydsbank', 'lloyds', 'lloydsbankinggroup'] },
  { name: /\bnatwest\b/i, labels: ['natwest'] },
  { name: /\bhalifax\b/i, labels: ['halifax', 'halifax-online'], strict: true },
  { name: /\bamerican\s+express\b|\bamex\b/i, labels: ['americanexpress', 'amex', 'aexp', 'aexp-static'] },
  { name: /\bvisa\b/i, labels: ['visa', 'visaeurope'], strict: true },
  { name: /\bmaster\s?card\b/i, labels: ['mastercard'] },
  { name: /\bwashington\s+mutual\b|\bwamu\b/i, labels: ['wamu', 'washingtonmutual'] },
  { name: /\bsun\s?trust\b/i, labels: ['suntrust', 'truist'] },
  { name: /\bu\.?s\.?\s+bank\b/i, labels: ['usbank'] },
  { name: /\bfifth\s+third\b/i, labels: ['53', 'fifththird'] },
  { name: /\bkey\s?bank\b/i, labels: ['key', 'keybank'] },
  { name: /\be-?gold\b/i, labels: ['e-gold'] },
  { name: /\bamazon\b/i, labels: ['amazon'], strict: true },
  { name: /\bapple\b|\bi\s?tunes\b|\bicloud\b/i, labels: ['apple', 'icloud', 'itunes'], strict: true },
  {
    name: /\bmicrosoft\b|\boffice\s?365\b|\boutlook\b/i,
    labels: ['microsoft', 'office', 'office365', 'outlook', 'live'],
    strict: true,
  },
  { name: /\bnetflix\b/i, labels: ['netflix'] },
  { name: /\bdocu\s?sign\b/i, labels: ['docusign'] },
];

/** A financial institution named generically: "… Federal Credit Union", "… Bank", "… Bancorp", "… FCU". */
const INSTITUTION =
  /\b(?:bank|banking|bancorp|credit\s+union|fcu|savings\s+and\s+loan|building\s+society)\b/i;

/**
 * Words of an institution's or service's display name that say what it is, not who: they are in every bank's name,
 * so they say nothing about which domain is its own.
 */
const SERVICE_WORDS = new Set(
  (
    'a an and the of for at to in on by online bank banking bancorp federal credit union fcu savings loan building ' +
    'society trust company corp corporation inc co llc ltd plc na group financial finance services service team ' +
    'support customer customers care account accounts billing card cards cardmember member members security secure ' +
    'alert alerts notification notifications notice department dept center centre help desk verification update ' +
    'updates fraud prevention protection id store payments payment mail message messages no reply noreply do not ' +
    'employees national association international usa us'
  ).split(' '),
);

/** The label of a domain's registrable domain: `wellsfargo` for notify.wellsfargo.com, `53` for 53.com. */
function organisationLabel(domain: string): string {
  const registrable = registrableDomain(domain);
  const dot = registrable.indexOf('.');
  return (dot < 0 ? registrable : registrable.slice(0, dot)).replace(/-/g, '');
}

/**
 * The bank, credit union or much-phished brand that a From display name names when the From domain is not its own
 * ("PayPal" <x@front.ru>, "Hawaii State Federal Credit Union" <x@indiatimes.com>): readers trust the name, which
 * the sender writes freely. A named brand must send from one of its own domains; a bank or credit union named
 * generically must send from a domain that carries a distinctive word of its name or its initials (gtefcu.org for
 * "GTE Federal Credit Union", rbs.co.uk for "Royal Bank of Scotland"). Null when the name names none, or the domain
 * fits it, and when the name shows an address (SPOOF_DISPLAY_NAME judges those).
 */
export function impersonatedInstitution(name: string, fromDomain: string | null): string | null {
  if (fromDomain === null || name.trim() === '' || name.includes('@')) return null;
  // most display names are people's: for them the brand and institution patterns are all the work
  const brands = BRANDS.filter((b) => b.name.test(name));
  if (brands.length === 0 && !INSTITUTION.test(name)) return null;
  const label = organisationLabel(fromDomain);
  const words = name
    .toLowerCase()
    .replace(/[^a-z0-9&.\s-]/g, ' ')
    .split(/[\s-]+/)
    .map((w) => w.replace(/^\.+|\.+$/g, ''))
    .filter((w) => w.length > 0);
  for (const brand of brands) {
    const hit = brand.name.exec(name) as RegExpExecArray;
    if (brand.strict) {
      const own = new Set(hit[0].toLowerCase().split(/[\s.]+/));
      if (words.some((w) => !own.has(w) && !SERVICE_WORDS.has(w))) continue;
    }
    return brand.labels.some((l) => label === l.replace(/-/g, '')) ? null : hit[0].trim();
  }
  if (!INSTITUTION.test(name)) return null;
  const distinctive = words.filter((w) => !SERVICE_WORDS.has(w) && /^[a-z0-9]+$/.test(w));
  // "Bank Security", "Online Banking": what a bank's own mail calls itself, naming no bank in particular
  if (distinctive.length === 0) return null;
  if (distinctive.some((w) => w.length >= 3 && label.includes(w))) return null;
  const initials = (list: readonly string[]): string => list.map((w) => w[0]).join('');
  const named = words.filter((w) => !['of', 'the', 'and', '&', 'a', 'an'].includes(w) && /^[a-z0-9]/.test(w));
  for (const acronym of [initials(named), initials(distinctive)])
    if (acronym.length >= 2 && label.includes(acronym)) return null;
  return name.replace(/\s+/g, ' ').trim().slice(0, 60);
}
