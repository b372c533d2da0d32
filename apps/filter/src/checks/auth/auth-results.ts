import type { SymbolHit } from '@spamfilter/domain';

/**
 * The Authentication-Results value (RFC 8601) of one scan, built from its symbols so the header never says more than
 * was scored: `authserv-id; spf=… smtp.mailfrom=…; dkim=… header.d=…; dmarc=… header.from=…; arc=…`.
 * One line (the plugin flattens header values and bounds them at 900 characters), at most MAX_DKIM dkim entries.
 */
const MAX_DKIM = 5;

const SPF: Readonly<Record<string, string>> = {
  R_SPF_ALLOW: 'pass',
  R_SPF_FAIL: 'fail',
  R_SPF_SOFTFAIL: 'softfail',
  R_SPF_NEUTRAL: 'neutral',
  R_SPF_NA: 'none',
  R_SPF_PERMFAIL: 'permerror',
  R_SPF_TEMPFAIL: 'temperror',
};
const DKIM: Readonly<Record<string, string>> = {
  R_DKIM_ALLOW: 'pass',
  R_DKIM_REJECT: 'fail',
  R_DKIM_PERMFAIL: 'permerror',
  R_DKIM_TEMPFAIL: 'temperror',
};
const DMARC: Readonly<Record<string, string>> = {
  DMARC_POLICY_ALLOW: 'pass',
  DMARC_POLICY_REJECT: 'fail',
  DMARC_POLICY_QUARANTINE: 'fail',
  DMARC_POLICY_SOFTFAIL: 'fail',
  DMARC_NA: 'none',
  DMARC_TEMPFAIL: 'temperror',
};
const ARC: Readonly<Record<string, string>> = {
  ARC_ALLOW: 'pass',
  ARC_REJECT: 'fail',
  ARC_NA: 'none',
  ARC_TEMPFAIL: 'temperror',
};

/** A dot-atom mailbox (RFC 5322 §3.4.1) can be written as a pvalue as is (RFC 8601 §2.2); anything else by its domain. */
const DOT_ATOM_MAILBOX =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9.-]+$/;
const DOMAIN = /^[A-Za-z0-9_.-]+$/;

/** RFC 8601 comments are ctext: no parentheses, backslashes or controls. */
const comment = (text: string): string => ` (${text.replace(/[()\\\p{Cc}]/gu, '').slice(0, 80)})`;
const domainOnly = (text: string | undefined): string | null =>
  text && DOMAIN.test(text) ? text.toLowerCase() : null;
/** "good.example (no key)" → ["good.example", "no key"]. */
function split(option: string): [string, string | null] {
  const m = /^(\S+) \((.*)\)$/.exec(option);
  return m ? [m[1], m[2]] : [option, null];
}

export interface AuthResultsFacts {
  readonly authservId: string;
  readonly mailFrom: string;
  readonly helo: string;
}

export function authResultsValue(facts: AuthResultsFacts, hits: readonly SymbolHit[]): string {
  const byName = new Map(hits.map((h) => [h.name, h]));
  const failed = byName.has('AUTH_TEMPFAIL');
  const parts: string[] = [];

  // RFC 8601 §2.7.2: smtp.mailfrom is the envelope sender; for the null sender SPF checked the HELO identity
  // (RFC 7208 §2.3), reported as smtp.helo.
  const at = facts.mailFrom.lastIndexOf('@');
  const identity = facts.mailFrom
    ? `smtp.mailfrom=${DOT_ATOM_MAILBOX.test(facts.mailFrom) ? facts.mailFrom : (domainOnly(facts.mailFrom.slice(at + 1)) ?? 'invalid')}`
    : `smtp.helo=${domainOnly(facts.helo.replace(/^\[|\]$/g, '')) ?? 'invalid'}`;
  const spf = Object.keys(SPF).find((n) => byName.has(n));
  parts.push(`spf=${spf ? SPF[spf] : failed ? 'temperror' : 'none'} ${identity}`);

  const dkim: string[] = [];
  const tails = new Set((byName.get('DKIM_UNSIGNED_BODY_TAIL')?.options ?? []).map((o) => o.split(' ')[0]));
  for (const [name, result] of Object.entries(DKIM)) {
    for (const option of byName.get(name)?.options ?? []) {
      const [d, why] = split(option);
      const note = why ?? (result === 'pass' && tails.has(d) ? 'unsigned body tail after l=' : null);
      dkim.push(`dkim=${result}${note ? comment(note) : ''} header.d=${domainOnly(d) ?? 'invalid'}`);
    }
  }
  if (dkim.length === 0) dkim.push(`dkim=${failed ? 'temperror' : 'none'}`);
  parts.push(...dkim.slice(0, MAX_DKIM));

  const dmarcName = Object.keys(DMARC).find((n) => byName.has(n));
  if (dmarcName) {
    const options = byName.get(dmarcName)?.options ?? [];
    const from = domainOnly(options[0]);
    const policy = options.find((o) => o.startsWith('p='));
    parts.push(
      `dmarc=${DMARC[dmarcName]}${policy ? comment(`p=${policy.slice(2).toUpperCase()}`) : ''}${from ? ` header.from=${from}` : ''}`,
    );
  } else {
    parts.push(`dmarc=${failed ? 'temperror' : 'none'}`);
  }

  const arcName = Object.keys(ARC).find((n) => byName.has(n));
  parts.push(`arc=${arcName ? ARC[arcName] : failed ? 'temperror' : 'none'}`);
  return `${facts.authservId}; ${parts.join('; ')}`;
}
