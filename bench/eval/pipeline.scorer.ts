import { createHash } from 'node:crypto';
import { DEFAULT_SPAM_CLASSIFIER, MemoryBayesStore, SpamClassifier, messageFingerprint, type SpamClassifierOptions } from '@spamfilter/bayes';
import { loadConfig } from '@spamfilter/config';
import { parseMessageSafe } from '@spamfilter/mail';
import { FilterServices } from '../../apps/filter/src/services/filter-services';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';
import type { CorpusMessage } from '../lib/corpus';
import type { Scorer, ScorerOptions } from './scorer';

/**
 * `--pipeline`: the whole local verdict of apps/filter — every local check (content heuristics, HELO, lists,
 * reputation) plus the Bayes check through the scorer and the default policy — with network checks off (DNS_MODE=off:
 * no SPF/DKIM/DMARC/DNSBL/rDNS). The score is the filter's score for one recipient; the threshold is the policy's tag
 * threshold (6). The Bayes model is the product's SpamClassifier, trained on the training set like the `bayes` scorer.
 *
 * Envelope: the client IP is unique per message (198.18/15 by a hash of the message) and the HELO a valid FQDN, so
 * neither IP reputation nor HELO checks see a signal the corpus does not carry; MAIL FROM is the Return-Path (else
 * From). Greylisting is off (it changes the action, not the score). `--opt minLearns=N` (default 200).
 */
export class PipelineScorer implements Scorer {
  readonly name = 'pipeline';
  readonly threshold: number;
  readonly notes: string[];
  private readonly classifier: SpamClassifier;
  private readonly services: FilterServices;

  constructor(opts: ScorerOptions) {
    const options: SpamClassifierOptions = {
      ...DEFAULT_SPAM_CLASSIFIER,
      tokenizer: { ...DEFAULT_SPAM_CLASSIFIER.tokenizer, headers: opts.headers },
      ...(opts.opts.get('mode') === 'bayes' ? { logistic: null } : {}),
    };
    this.classifier = new SpamClassifier(new MemoryBayesStore(), options);
    const policies = new InMemoryPolicySource();
    policies.setGlobal({ greylisting: { enabled: false } });
    const config = loadConfig({ DNS_MODE: 'off', BAYES_MIN_LEARNS: opts.opts.get('minLearns') ?? '200' });
    this.services = new FilterServices(config.filter, { policies, bayes: { classifier: this.classifier } });
    this.threshold = Number(opts.opts.get('threshold') ?? 6);
    this.notes = [`pipeline: local checks + ${options.logistic ? 'Bayes+LR' : 'Bayes'} through the scorer, network checks off, threshold = policy tag ${this.threshold}`];
  }

  async learn(msg: CorpusMessage, label: 'spam' | 'ham'): Promise<void> {
    await this.classifier.learn(null, messageFingerprint(msg.raw), this.classifier.prepare(parseMessageSafe(msg.raw)), label);
  }

  async finishTraining(): Promise<void> {
    // The SpamClassifier learns online; nothing to finish.
  }

  async score(msg: CorpusMessage): Promise<number> {
    const v = await this.services.scan.scan(envelopeOf(msg.raw), msg.raw);
    return v.score;
  }
}

function envelopeOf(raw: Buffer) {
  const head = raw.subarray(0, 8192).toString('latin1');
  const rp = /^Return-Path:\s*<([^>\s]*)>/im.exec(head)?.[1] ?? /^From:.*?<?([^\s<>"]+@[^\s<>"]+)>?/im.exec(head)?.[1] ?? '';
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
