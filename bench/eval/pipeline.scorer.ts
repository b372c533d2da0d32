import { createHash } from 'node:crypto';
import { loadConfig } from '@spamfilter/config';
import { DEFAULT_POLICY } from '@spamfilter/scoring';
import { FilterServices } from '../../apps/filter/src/services/filter-services';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';
import type { CorpusMessage } from '../lib/corpus';
import { DeployedModel } from './deployed-model';
import type { Scorer, ScorerOptions } from './scorer';

/**
 * `--pipeline`: the whole local verdict of apps/filter — every local check (content heuristics, HELO, lists,
 * reputation) plus the Bayes check through the scorer and the default policy — with network checks off (DNS_MODE=off:
 * no SPF/DKIM/DMARC/DNSBL/rDNS). The score is the filter's score for one recipient; the threshold is the default
 * policy's tag threshold. The Bayes model is the product's SpamClassifier with the deployed options and training (deployed-model.ts),
 * as the `bayes` scorer.
 *
 * Envelope: the client IP is unique per message (198.18/15 by a hash of the message) and the HELO a valid FQDN, so
 * neither IP reputation nor HELO checks see a signal the corpus does not carry; MAIL FROM is the Return-Path (else
 * From). Greylisting is off (it changes the action, not the score). `--opt minLearns=N` (default 200), `--opt
 * threshold=N`, `--opt w:SYMBOL=N` (a weight) and `--opt env:KEY=VALUE` (a configuration key), for experiments.
 */
export class PipelineScorer implements Scorer {
  readonly name = 'pipeline';
  readonly threshold: number;
  readonly notes: string[];
  private readonly model: DeployedModel;
  private readonly services: FilterServices;

  constructor(opts: ScorerOptions) {
    this.model = new DeployedModel(opts);
    const policies = new InMemoryPolicySource();
    // `--opt w:SYMBOL=N` (experiment): a weight of the global policy layer
    const weights = Object.fromEntries(
      [...opts.opts].filter(([k]) => k.startsWith('w:')).map(([k, v]) => [k.slice(2), Number(v)]),
    );
    policies.setGlobal({
      greylisting: { enabled: false },
      ...(Object.keys(weights).length > 0 ? { weights } : {}),
    });
    // `--opt env:KEY=VALUE` (experiment): a configuration key of the filter. The global floor (`--opt minLearns`,
    // BAYES_MIN_LEARNS) is the classifier's own (deployed-model.ts).
    const env = Object.fromEntries(
      [...opts.opts].filter(([k]) => k.startsWith('env:')).map(([k, v]) => [k.slice(4), v]),
    );
    const config = loadConfig({ DNS_MODE: 'off', ...env });
    this.services = new FilterServices(config.filter, {
      policies,
      bayes: { classifier: this.model.classifier },
    });
    this.threshold = Number(opts.opts.get('threshold') ?? DEFAULT_POLICY.thresholds.tag);
    this.notes = [
      `pipeline: local checks + ${this.model.mode === 'bayes' ? 'Bayes' : 'Bayes+LR'} through the scorer, network checks off, threshold = policy tag ${this.threshold}`,
    ];
  }

  learn(msg: CorpusMessage, label: 'spam' | 'ham'): Promise<void> {
    return this.model.learn(msg.raw, label);
  }

  finishTraining(): void {
    this.model.finishTraining();
  }

  async score(msg: CorpusMessage): Promise<number> {
    const v = await this.services.scan.scan(envelopeOf(msg.raw), msg.raw);
    return v.score;
  }

  async explain(msg: CorpusMessage): Promise<string> {
    const v = await this.services.scan.scan(envelopeOf(msg.raw), msg.raw);
    return [...v.symbols, ...v.recipients.flatMap((r) => r.symbols)]
      .map((s) => `${s.name}(${s.score.toFixed(2)}${s.options?.length ? ` ${s.options.join(',')}` : ''})`)
      .join(' ');
  }
}

function envelopeOf(raw: Buffer) {
  const head = raw.subarray(0, 8192).toString('latin1');
  const rp =
    /^Return-Path:\s*<([^>\s]*)>/im.exec(head)?.[1] ??
    /^From:.*?<?([^\s<>"]+@[^\s<>"]+)>?/im.exec(head)?.[1] ??
    '';
  const mailFrom = /^[^\s@]+@[a-z0-9.-]+\.[a-z]{2,}$/i.test(rp) ? rp : '';
  const h = createHash('sha1').update(raw).digest();
  return {
    clientIp: `198.${18 + (h[0] & 1)}.${h[1]}.${h[2]}`,
    helo: 'mail.sender.example',
    mailFrom,
    rcptTo: ['user@customer.example'],
    direction: 'inbound' as const,
  };
}
