import {
  MemoryBayesStore,
  SpamClassifier,
  logisticModelConfig,
  logisticOptionsOf,
  messageFingerprint,
  spamClassifierOptions,
  trainLogistic,
  type Label,
  type LogisticExample,
  type PreparedMessage,
  type SpamClassifierOptions,
  type SpamVerdict,
} from '@spamfilter/bayes';
import { loadConfig, type AppConfig } from '@spamfilter/config';
import { parseMessageSafe } from '@spamfilter/mail';
import type { ScorerOptions } from './scorer';

/**
 * The model the product deploys, trained the way it is deployed, for the harness's scorers:
 * - options from the product's configuration defaults (`spamClassifierOptions(loadConfig({}).bayes)`, with
 *   `--headers` as BAYES_HEADERS), so the harness measures the deployed feature set and options;
 * - Robinson–Fisher learns every training message (global scope, as the learner does);
 * - the logistic component is retrained from scratch with libs/bayes `trainLogistic` over the newest
 *   LOGISTIC_MAX_EXAMPLES trainings (a correction moves a message to the newest end, as a new learner_training row
 *   does), exactly as apps/api LogisticTrainer does; before the first retrain it is Bayes alone, as a filter without a
 *   snapshot is;
 * - `--online`: after each further training the weights are retrained once LOGISTIC_RETRAIN_MIN_CHANGES trainings
 *   have accumulated (the trainer's count rule; its age rule has no clock in a replay).
 *
 * `--opt` overrides are experiments, not the product: `mode=bayes|lr`, `features=tokens|token-views|grams+tokens`,
 * `passes`, `bits`, `rate`, `margin`, `maxWeight` (0: unbounded), `scale` (BAYES_LOGIT_SCALE), `wb` (Bayes weight),
 * `chars` (4-gram window), `s`, `minDev`, `maxTokens`, `osb`, `minLearns` (the global floor, BAYES_MIN_LEARNS),
 * `urlWords=1` (body words from URLs too, as before 2026-12), and (bench/eval/README.md "Tried on 2026-11-23")
 * `hamWeight`, `hamMargin`, `average=1` (logistic) and `tone` (Bayes learns on or near error only).
 */
export class DeployedModel {
  readonly classifier: SpamClassifier;
  readonly mode: string;
  private readonly config: AppConfig;
  private readonly opts: ReadonlyMap<string, string>;
  /** The global training set in training order (Map keeps insertion order; a re-insert moves to the end). */
  private readonly set = new Map<string, LogisticExample>();
  private changes = 0;
  private trainedOnce = false;
  retrains = 0;

  constructor(opts: ScorerOptions) {
    const o = opts.opts;
    this.opts = o;
    this.mode = o.get('mode') ?? 'both';
    this.config = loadConfig({ BAYES_HEADERS: opts.headers });
    const base = spamClassifierOptions(this.config.bayes);
    const num = (k: string, d: number): number => (o.has(k) ? Number(o.get(k)) : d);
    const lr = base.logistic;
    const f = o.get('features');
    const features =
      f === 'grams+tokens' || f === 'tokens' || f === 'token-views' ? f : base.logisticFeatures;
    const options: SpamClassifierOptions = {
      ...base,
      tokenizer: {
        ...base.tokenizer,
        osbWindow: num('osb', base.tokenizer.osbWindow),
        ...(o.get('urlWords') === '1' ? { urlWords: true } : {}),
      },
      bayes: {
        ...base.bayes,
        strength: num('s', base.bayes.strength),
        minDev: num('minDev', base.bayes.minDev),
        maxTokens: num('maxTokens', base.bayes.maxTokens),
        globalFloor: num('minLearns', base.bayes.globalFloor),
      },
      logistic:
        this.mode === 'bayes' || !lr
          ? null
          : {
              bits: num('bits', lr.bits),
              rate: num('rate', lr.rate),
              margin: num('margin', lr.margin),
              hamMargin: num('hamMargin', num('margin', lr.margin)),
              hamWeight: num('hamWeight', 1),
              average: o.get('average') === '1',
              ...(features === 'token-views' ? { views: true } : {}),
              ...(num('maxWeight', lr.maxWeight ?? 0) > 0
                ? { maxWeight: num('maxWeight', lr.maxWeight ?? 0) }
                : {}),
            },
      logisticFeatures: features,
      gramChars: num('chars', base.gramChars),
      bayesWeight: this.mode === 'lr' ? 0 : num('wb', base.bayesWeight),
      passes: num('passes', base.passes),
      logitScale: num('scale', base.logitScale ?? 1),
    };
    this.classifier = new SpamClassifier(new MemoryBayesStore(), options);
    // Bayes alone until the first retrain, as a filter without a snapshot.
    this.classifier.useLogistic(null);
  }

  prepare(raw: Buffer): PreparedMessage {
    return this.classifier.prepare(parseMessageSafe(raw));
  }

  async learn(raw: Buffer, label: Label): Promise<void> {
    const prepared = this.prepare(raw);
    const fingerprint = messageFingerprint(raw);
    const tone = this.opts.get('tone');
    if (tone === undefined || (await this.bayesNeeds(prepared, label, Number(tone)))) {
      const outcome = await this.classifier.bayes.learn(null, fingerprint, prepared.tokens, label);
      if (outcome !== 'learned' && outcome !== 'corrected') return;
    }
    this.set.delete(fingerprint);
    this.set.set(fingerprint, { features: prepared.features, label });
    this.changes++;
    if (this.trainedOnce && this.changes >= this.config.logistic.minChanges) this.retrain();
  }

  /**
   * `--opt tone=T` (experiment): Bayes learns only a message its current logit gets wrong or within T of the wrong
   * side (train on or near error, "thick threshold"); the logistic set still takes every message.
   */
  private async bayesNeeds(prepared: PreparedMessage, label: Label, tone: number): Promise<boolean> {
    const v = await this.classifier.bayes.classify(prepared.tokens, null);
    return label === 'spam' ? v.logit < tone : v.logit > -tone;
  }

  /** The end of the initial training set: the first snapshot. */
  finishTraining(): void {
    this.retrain();
  }

  classify(raw: Buffer): Promise<SpamVerdict> {
    return this.classifier.classify(this.prepare(raw), null);
  }

  private retrain(): void {
    this.trainedOnce = true;
    this.changes = 0;
    const model = logisticModelConfig(this.classifier.options);
    if (!model) return;
    const all = [...this.set.values()];
    const examples = all.slice(Math.max(0, all.length - this.config.logistic.maxExamples));
    if (!examples.some((e) => e.label === 'spam') || !examples.some((e) => e.label === 'ham')) return;
    // The classifier's own logistic options: with no `--opt` they are the snapshot's (logisticOptionsOf(model)); the
    // experiment options (hamWeight, hamMargin, average) are not part of a snapshot's configuration.
    this.classifier.useLogistic(
      trainLogistic(examples, this.classifier.options.logistic ?? logisticOptionsOf(model), model.passes),
    );
    this.retrains++;
  }
}
