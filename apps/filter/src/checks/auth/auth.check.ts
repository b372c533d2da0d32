import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import { isIP } from 'node:net';
import { authenticate, dmarc, spf } from 'mailauth';
import type { Check, ScanContext } from '../../pipeline/check';
import type { DnsResolver } from '../../services/dns/dns-resolver';
import {
  authHits,
  dkimOutcome,
  type ArcOutcome,
  type AuthOutcome,
  type DkimOutcome,
  type MailauthDkimRow,
  type SpfOutcome,
} from './auth-hits';
import { authResultsValue } from './auth-results';
import {
  asPolicy,
  authorDomains,
  decideDmarc,
  dmarcPct,
  dmarcSample,
  MAX_AUTHOR_DOMAINS,
  type DomainDmarc,
} from './dmarc-policy';

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
  sym('R_DKIM_REJECT', 'A DKIM signature that does not verify, or uses rsa-sha1 (RFC 8301 §3.1)'),
  sym('R_DKIM_NA', 'No DKIM signature'),
  sym('R_DKIM_PERMFAIL', 'DKIM signature unusable: no key, revoked key, syntax (permerror)'),
  sym('R_DKIM_TEMPFAIL', 'DKIM key could not be fetched (DNS temperror)'),
  sym(
    'DKIM_UNSIGNED_BODY_TAIL',
    'Body text after a passing signature’s l= length, not covered by it (RFC 6376 §8.2)',
  ),
  sym('DMARC_POLICY_ALLOW', 'DMARC pass: SPF or DKIM aligned with the From domain (RFC 7489)'),
  sym('DMARC_POLICY_REJECT', 'DMARC fail, the domain asks for reject'),
  sym('DMARC_POLICY_QUARANTINE', 'DMARC fail, the domain asks for quarantine (or reject, lowered by pct=)'),
  sym('DMARC_POLICY_SOFTFAIL', 'DMARC fail, the domain asks for nothing (p=none, or lowered by pct=)'),
  sym('DMARC_NA', 'No DMARC record for the From domain'),
  sym('DMARC_TEMPFAIL', 'DMARC could not be evaluated (DNS temperror)'),
  sym('ARC_ALLOW', 'A valid ARC chain (RFC 8617)'),
  sym('ARC_REJECT', 'A broken ARC chain'),
  sym('ARC_NA', 'No ARC chain'),
  sym('ARC_TEMPFAIL', 'ARC could not be evaluated (DNS temperror)'),
  sym(
    'ARC_TRUSTED_PASS',
    'A trusted ARC sealer validated the chain and recorded dmarc=pass (RFC 8617 §7.2.1)',
  ),
  sym('AUTH_TEMPFAIL', 'Authentication checks failed or timed out'),
] as const;

export interface AuthCheckOptions {
  /** authserv-id in Authentication-Results (RFC 8601 §2.5). */
  readonly mta: string;
  /** d= of ARC sealers whose recorded results the operator trusts (RFC 8617 §7.2.1 local policy). */
  readonly trustedArcSealers?: readonly string[];
}

/** Any of these means mailauth's full pass (DKIM, ARC) is needed; an ARC set without its seal must still fail ARC. */
const SIGNATURE_HEADERS = new Set([
  'dkim-signature',
  'arc-seal',
  'arc-message-signature',
  'arc-authentication-results',
]);

/**
 * SPF, DKIM, DMARC (alignment + the domain's policy) and ARC through mailauth; DNS is its only side effect and goes
 * through the injected resolver (timeouts, cache). mailauth's results are reduced in auth-hits.ts (DKIM's RFC 8301
 * and permerror cases) and dmarc-policy.ts (pct=, several Author Domains), which also say why. Failures inside
 * mailauth come back as temperror results, which become *_TEMPFAIL symbols; anything thrown becomes AUTH_TEMPFAIL.
 * The check only reports; what a DMARC failure does is the policy's forced actions (libs/scoring).
 */
export class AuthCheck implements Check {
  readonly name = 'auth';
  readonly symbols = AUTH_SYMBOLS;
  readonly tempfail = 'AUTH_TEMPFAIL';
  private readonly trusted: ReadonlySet<string>;

  constructor(
    private readonly dns: DnsResolver,
    private readonly options: AuthCheckOptions,
  ) {
    this.trusted = new Set((options.trustedArcSealers ?? []).map((d) => d.toLowerCase().replace(/\.$/, '')));
  }

  async run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    if (!this.dns.enabled) return [];
    const e = ctx.envelope;
    const resolver = (name: string, rrtype: string): Promise<string[] | string[][]> =>
      this.dns.resolve(name, rrtype as never);
    let spfResult: SpfOutcome | null;
    let dkim: DkimOutcome[] = [];
    let arc: ArcOutcome = { result: 'none', instance: null, comment: null, trusted: null };
    if (!ctx.message.headers.some((h) => SIGNATURE_HEADERS.has(h.name))) {
      // No DKIM signature and no ARC header: authenticate() would still canonicalise and hash the whole body and
      // parse every Received header for nothing (the largest cost of a scan in the profile); SPF alone is the same.
      const r = await spf({
        ip: e.clientIp,
        helo: isIP(e.helo) ? `[${e.helo}]` : e.helo,
        sender: e.mailFrom,
        mta: this.options.mta,
        resolver,
      });
      spfResult = r ? { result: r.status.result, domain: r.domain ?? null } : null;
    } else {
      const r = await authenticate(ctx.raw, {
        ip: e.clientIp,
        helo: e.helo,
        sender: e.mailFrom,
        mta: this.options.mta,
        resolver,
        disableBimi: true,
        // DMARC is evaluated below, per Author Domain (dmarc-policy.ts); RFC 8301 §3.1: rsa-sha1 must not verify.
        disableDmarc: true,
        rejectRsaSha1: true,
      });
      spfResult = r.spf ? { result: r.spf.status.result, domain: r.spf.domain ?? null } : null;
      dkim = (r.dkim?.results ?? []).map((row) => dkimOutcome(row as unknown as MailauthDkimRow));
      arc = this.arcOutcome(r.arc);
    }

    const domains = authorDomains(ctx.message.headers).slice(0, MAX_AUTHOR_DOMAINS);
    // RFC 7489 §3.1: SPF aligns through the identity it authenticated (MAIL FROM, or HELO for the null sender).
    const spfDomains = spfResult?.result === 'pass' && spfResult.domain ? [spfResult.domain] : [];
    const dkimDomains = dkim
      .filter((d) => d.result === 'pass')
      .map((d) => ({ domain: d.domain, underSized: d.unsignedTail }));
    const perDomain = await Promise.all(
      domains.map((d) => this.dmarcFor(d, spfDomains, dkimDomains, resolver)),
    );
    const outcome: AuthOutcome = {
      spf: spfResult,
      dkim,
      dmarc: decideDmarc(perDomain, dmarcSample(ctx.message, domains.join(','))),
      arc:
        arc.trusted && arc.trusted.from && !domains.includes(arc.trusted.from)
          ? { ...arc, trusted: null }
          : arc,
    };
    return authHits(outcome);
  }

  /** Authentication-Results for delivered inbound mail (RFC 8601), from this scan's auth symbols. */
  headers(hits: readonly SymbolHit[], ctx: ScanContext): readonly (readonly [string, string])[] {
    if (ctx.envelope.direction !== 'inbound') return [];
    // DNS off: nothing was evaluated, and RFC 8601 §2.2 has a word for that ("none" as the only result).
    if (!this.dns.enabled) return [['Authentication-Results', `${this.options.mta}; none`]];
    const value = authResultsValue(
      { authservId: this.options.mta, mailFrom: ctx.envelope.mailFrom, helo: ctx.envelope.helo },
      hits,
    );
    return [['Authentication-Results', value]];
  }

  private async dmarcFor(
    domain: string,
    spfDomains: string[],
    dkimDomains: { domain: string; underSized: number }[],
    resolver: (name: string, rrtype: string) => Promise<string[] | string[][]>,
  ): Promise<DomainDmarc> {
    try {
      const r = await dmarc({
        headerFrom: domain,
        spfDomains,
        dkimDomains: dkimDomains.map((d) => ({ domain: d.domain, underSized: d.underSized || undefined })),
        resolver,
      });
      if (!r) return { domain, result: 'none', policy: null, pct: 100 };
      const result = r.status.result;
      return {
        domain,
        result:
          result === 'pass' || result === 'fail' || result === 'temperror' || result === 'permerror'
            ? result
            : 'none',
        policy: asPolicy(r.policy),
        pct: dmarcPct(r.rr),
      };
    } catch {
      return { domain, result: 'temperror', policy: null, pct: 100 };
    }
  }

  /** mailauth's ARC result, and whether its newest seal is a trusted sealer that recorded dmarc=pass. */
  private arcOutcome(arc: unknown): ArcOutcome {
    if (!arc || typeof arc !== 'object')
      return { result: 'none', instance: null, comment: null, trusted: null };
    const a = arc as {
      status?: { result?: string; comment?: string };
      i?: number | false;
      chain?: readonly { i?: number; 'arc-seal'?: { parsed?: { d?: { value?: unknown } } } }[];
      authenticationResults?: { dmarc?: { result?: string; header?: { from?: string } } };
    };
    const raw = a.status?.result ?? 'none';
    const result: ArcOutcome['result'] =
      raw === 'pass' || raw === 'fail'
        ? raw
        : raw === 'temperror' || raw === 'temperr'
          ? 'temperror'
          : 'none';
    const instance = typeof a.i === 'number' && a.i > 0 ? a.i : null;
    let trusted: ArcOutcome['trusted'] = null;
    if (result === 'pass' && this.trusted.size > 0) {
      const newest = a.chain?.find((s) => s.i === instance) ?? a.chain?.[a.chain.length - 1];
      const sealer = String(newest?.['arc-seal']?.parsed?.d?.value ?? '')
        .toLowerCase()
        .replace(/\.$/, '');
      const recorded = a.authenticationResults?.dmarc;
      if (this.trusted.has(sealer) && recorded?.result === 'pass') {
        trusted = { sealer, from: recorded.header?.from ? recorded.header.from.toLowerCase() : null };
      }
    }
    return {
      result,
      instance,
      comment: typeof a.status?.comment === 'string' ? a.status.comment : null,
      trusted,
    };
  }
}
