import { AupMatcher, type AupRule, type AupSubject, type SymbolHit } from '@spamfilter/domain';
import type { Check, ScanContext } from '../../pipeline/check';
import type { AupRuleStore } from '../outbound-sources.port';
import { OUTBOUND_SYMBOLS } from '../outbound.symbols';

export interface AupCheckOptions {
  /** How often the enabled rules are re-read from the store. */
  readonly refreshMs: number;
  readonly now: () => number;
}

/** The outbound message as AUP rules see it (the same shape the preview builds from the message log). */
export function aupSubjectOf(ctx: ScanContext): AupSubject {
  const e = ctx.envelope;
  return {
    sender: e.mailFrom,
    ...(e.authUser ? { authUser: e.authUser.toLowerCase() } : {}),
    recipients: e.rcptTo,
    clientIp: e.clientIp,
    subject: ctx.message.subject,
    ...(ctx.message.from ? { fromHeader: ctx.message.from.address } : {}),
    body: ctx.message.text,
    urlHosts: ctx.message.links.map((l) => l.host).filter((h) => h !== ''),
    attachmentNames: ctx.message.attachments.map((a) => a.filename).filter((f) => f !== ''),
    size: ctx.raw.length,
  };
}

/**
 * Applies the operators' acceptable-use rules to outbound mail: each matching rule reports OUTBOUND_AUP with its
 * score as factor and its name as option. Rules are cached and re-read every `refreshMs`; a failed re-read keeps the
 * last good set (the pipeline's tempfail covers the very first load).
 */
export class AupCheck implements Check {
  readonly name = 'outbound-aup';
  readonly tempfail = 'OUTBOUND_AUP_TEMPFAIL';
  readonly symbols = [OUTBOUND_SYMBOLS.aupMatch];
  private matchers: AupMatcher[] | null = null;
  private loadedAt = 0;
  private loading: Promise<AupMatcher[]> | null = null;

  constructor(
    private readonly store: AupRuleStore,
    private readonly options: AupCheckOptions,
  ) {}

  async run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    if (ctx.envelope.direction !== 'outbound') return [];
    const matchers = await this.current();
    if (matchers.length === 0) return [];
    const subject = aupSubjectOf(ctx);
    const hits: SymbolHit[] = [];
    for (const m of matchers) {
      if (m.match(subject) === 'match')
        hits.push({ name: OUTBOUND_SYMBOLS.aupMatch.name, factor: m.rule.score, options: [m.rule.name] });
    }
    return hits;
  }

  /** Re-read the rules on the next message (after an operator changed them in this process). */
  invalidate(): void {
    this.loadedAt = 0;
  }

  private async current(): Promise<AupMatcher[]> {
    const now = this.options.now();
    if (this.matchers && now - this.loadedAt < this.options.refreshMs) return this.matchers;
    this.loading ??= this.store
      .listEnabled()
      .then((rules: readonly AupRule[]) => {
        // A stored rule that no longer compiles (edited by hand in the database) is skipped, not fatal to the others.
        this.matchers = rules.flatMap((r) => {
          try {
            return [new AupMatcher(r)];
          } catch {
            return [];
          }
        });
        this.loadedAt = this.options.now();
        return this.matchers;
      })
      .finally(() => {
        this.loading = null;
      });
    try {
      return await this.loading;
    } catch (err) {
      if (this.matchers) return this.matchers;
      throw err;
    }
  }
}
