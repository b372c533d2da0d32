import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import { isIP } from 'node:net';
import { authenticate, dmarc, spf, type AuthenticateResult } from 'mailauth';
import type { Check, ScanContext } from '../../pipeline/check';
import type { DnsResolver } from '../../services/dns/dns-resolver';

const sym = (name: keyof typeof DEFAULT_WEIGHTS, description: string): SymbolDefinition => ({
  name,
  group: 'auth',
  description,
  defaultWeight: DEFAULT_WEIGHTS[name],
});

export const AUTH_SYMBOLS = [
  sym('R_SPF_ALLOW', 'SPF pass: the client may send for the envelope domain (RFC 7208)'),
  sym('R_SPF_FAIL', 'SPF fail: the domain says this client may not send for it'),
  sym('R_SPF_SOFTFAIL', 'SPF softfail (~all)'),
  sym('R_SPF_NEUTRAL', 'SPF neutral (?all)'),
  sym('R_SPF_NA', 'No SPF record'),
  sym('R_SPF_PERMFAIL', 'SPF record broken (permerror)'),
  sym('R_SPF_TEMPFAIL', 'SPF could not be evaluated (DNS temperror)'),
  sym('R_DKIM_ALLOW', 'A valid DKIM signature (RFC 6376)'),
  sym('R_DKIM_REJECT', 'A DKIM signature that does not verify'),
  sym('R_DKIM_NA', 'No DKIM signature'),
  sym('R_DKIM_PERMFAIL', 'DKIM signature or key unusable (permerror)'),
  sym('R_DKIM_TEMPFAIL', 'DKIM key could not be fetched (DNS temperror)'),
  sym('DMARC_POLICY_ALLOW', 'DMARC pass: SPF or DKIM aligned with the From domain (RFC 7489)'),
  sym('DMARC_POLICY_REJECT', 'DMARC fail, the domain asks for reject'),
  sym('DMARC_POLICY_QUARANTINE', 'DMARC fail, the domain asks for quarantine'),
  sym('DMARC_POLICY_SOFTFAIL', 'DMARC fail, the domain asks for nothing (p=none)'),
  sym('DMARC_NA', 'No DMARC record for the From domain'),
  sym('DMARC_TEMPFAIL', 'DMARC could not be evaluated (DNS temperror)'),
  sym('ARC_ALLOW', 'A valid ARC chain (RFC 8617)'),
  sym('ARC_REJECT', 'A broken ARC chain'),
  sym('ARC_NA', 'No ARC chain'),
  sym('ARC_TEMPFAIL', 'ARC could not be evaluated (DNS temperror)'),
  sym('AUTH_TEMPFAIL', 'Authentication checks failed or timed out'),
] as const;

export interface AuthCheckOptions {
  /** authserv-id in Authentication-Results (RFC 8601 §2.5). */
  readonly mta: string;
}

/**
 * SPF, DKIM, DMARC (alignment + the domain's policy) and ARC through mailauth; DNS is its only side effect and goes
 * through the injected resolver (timeouts, cache). Failures inside mailauth come back as temperror results, which
 * become *_TEMPFAIL symbols; anything thrown becomes AUTH_TEMPFAIL in the pipeline.
 */
export class AuthCheck implements Check {
  readonly name = 'auth';
  readonly symbols = AUTH_SYMBOLS;
  readonly tempfail = 'AUTH_TEMPFAIL';

  constructor(
    private readonly dns: DnsResolver,
    private readonly options: AuthCheckOptions,
  ) {}

  async run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    const e = ctx.envelope;
    const resolver = (name: string, rrtype: string): Promise<string[] | string[][]> => this.dns.resolve(name, rrtype as never);
    const signed = ctx.message.headers.some((h) => h.name === 'dkim-signature' || h.name === 'arc-seal');
    if (!signed) {
      // No DKIM signature and no ARC chain: mailauth's authenticate() would still canonicalise and hash the whole
      // body and parse every Received header for nothing (the largest cost of a scan in the profile). SPF and DMARC
      // (with no DKIM domains) give the same result directly.
      const spfResult = await spf({ ip: e.clientIp, helo: isIP(e.helo) ? `[${e.helo}]` : e.helo, sender: e.mailFrom, mta: this.options.mta, resolver });
      const from = ctx.message.from?.address ?? '';
      const dmarcResult = from.includes('@')
        ? await dmarc({ headerFrom: [from], spfDomains: spfResult?.status?.result === 'pass' && spfResult.domain ? [spfResult.domain] : [], dkimDomains: [], resolver })
        : false;
      return authHits({ spf: spfResult, dkim: { headerFrom: from ? [from] : [], envelopeFrom: false, results: [] }, dmarc: dmarcResult, arc: false } as unknown as AuthenticateResult);
    }
    const result = await authenticate(ctx.raw, {
      ip: e.clientIp,
      helo: e.helo,
      sender: e.mailFrom,
      mta: this.options.mta,
      resolver,
      disableBimi: true,
    });
    return authHits(result);
  }
}

const SPF_SYMBOLS: ReadonlyMap<string, (typeof AUTH_SYMBOLS)[number]['name']> = new Map([
  ['pass', 'R_SPF_ALLOW'],
  ['fail', 'R_SPF_FAIL'],
  ['softfail', 'R_SPF_SOFTFAIL'],
  ['neutral', 'R_SPF_NEUTRAL'],
  ['permerror', 'R_SPF_PERMFAIL'],
  ['temperror', 'R_SPF_TEMPFAIL'],
  ['temperr', 'R_SPF_TEMPFAIL'],
  ['none', 'R_SPF_NA'],
  ['policy', 'R_SPF_NA'],
  ['skipped', 'R_SPF_NA'],
]);

export function authHits(r: AuthenticateResult): SymbolHit[] {
  const hits: SymbolHit[] = [];
  const spf = r.spf ? r.spf.status?.result : undefined;
  const spfOpt = r.spf ? [`${r.spf.domain ?? ''}`].filter(Boolean) : [];
  // mailauth's SPF results → our symbols; none/policy/skipped and no SPF at all are R_SPF_NA, anything else no hit.
  const spfSymbol = SPF_SYMBOLS.get(spf ?? 'none');
  if (spfSymbol) hits.push({ name: spfSymbol, options: spfOpt });

  const sigs = r.dkim?.results ?? [];
  const domains = (...results: string[]): string[] =>
    sigs.flatMap((s) => (results.includes(s.status.result) ? [s.signingDomain ?? '?'] : []));
  const dkimPass = domains('pass');
  const dkimFail = domains('fail', 'neutral');
  const dkimPerm = domains('permerror', 'policy');
  const dkimTemp = domains('temperror', 'temperr');
  if (dkimPass.length) hits.push({ name: 'R_DKIM_ALLOW', options: dkimPass });
  if (dkimFail.length) hits.push({ name: 'R_DKIM_REJECT', options: dkimFail });
  if (dkimPerm.length) hits.push({ name: 'R_DKIM_PERMFAIL', options: dkimPerm });
  if (dkimTemp.length) hits.push({ name: 'R_DKIM_TEMPFAIL', options: dkimTemp });
  if (sigs.length === 0 || sigs.every((s) => s.status.result === 'none')) hits.push({ name: 'R_DKIM_NA' });

  const dmarc = r.dmarc;
  if (!dmarc) {
    hits.push({ name: 'DMARC_NA' });
  } else {
    const opt = [dmarc.domain, `p=${dmarc.policy ?? dmarc.p ?? 'none'}`];
    switch (dmarc.status.result) {
      case 'pass':
        hits.push({ name: 'DMARC_POLICY_ALLOW', options: opt });
        break;
      case 'fail': {
        const p = (dmarc.policy ?? dmarc.p ?? 'none').toLowerCase();
        hits.push({ name: p === 'reject' ? 'DMARC_POLICY_REJECT' : p === 'quarantine' ? 'DMARC_POLICY_QUARANTINE' : 'DMARC_POLICY_SOFTFAIL', options: opt });
        break;
      }
      case 'temperror':
      case 'temperr':
        hits.push({ name: 'DMARC_TEMPFAIL', options: opt });
        break;
      case 'none':
      case 'neutral':
      case 'permerror':
      case 'policy':
      case 'skipped':
      case 'softfail':
      case 'declined':
        hits.push({ name: 'DMARC_NA', options: [dmarc.domain].filter(Boolean) });
    }
  }

  const arc = r.arc;
  switch (arc ? arc.status.result : 'none') {
    case 'pass':
      hits.push({ name: 'ARC_ALLOW', options: arc && arc.i !== false ? [`i=${arc.i}`] : [] });
      break;
    case 'fail':
      hits.push({ name: 'ARC_REJECT', options: arc && arc.status.comment ? [arc.status.comment] : [] });
      break;
    case 'temperror':
    case 'temperr':
      hits.push({ name: 'ARC_TEMPFAIL' });
      break;
    case 'none':
    case 'neutral':
    case 'permerror':
    case 'policy':
    case 'skipped':
    case 'softfail':
    case 'declined':
      hits.push({ name: 'ARC_NA' });
  }
  return hits;
}
