import type { BayesConfig } from '@spamfilter/config';
import type { ParseLimits } from '@spamfilter/mail';
import { DEFAULT_BAYES } from './bayes-classifier';
import { DEFAULT_SPAM_CLASSIFIER, type SpamClassifierOptions } from './spam-classifier';
import { DEFAULT_TOKENIZER } from './tokenizer';

/**
 * SpamClassifier options from the validated `bayes` configuration section (BAYES_* keys): the deployed model. The
 * logistic component uses the token ids alone — what a training record keeps, so the learner can retrain it
 * (bench/eval/README.md measures it against character 4-grams + tokens) — in two views (BAYES_LR_VIEWS) with bounded
 * weights (BAYES_LR_MAX_WEIGHT).
 */
export function spamClassifierOptions(c: BayesConfig): SpamClassifierOptions {
  return {
    ...DEFAULT_SPAM_CLASSIFIER,
    tokenizer: { ...DEFAULT_TOKENIZER, headers: c.headers, maxWords: c.maxWords, osbWindow: c.osbWindow },
    bayes: {
      ...DEFAULT_BAYES,
      strength: c.strength,
      minDev: c.minDev,
      maxTokens: c.maxTokens,
      userStrength: c.userStrength,
      userWeight: c.userWeight,
      userPrior: c.userPrior,
      userNearCopy: c.userNearCopy,
      globalFloor: c.minLearns,
      globalRamp: c.globalRamp,
      starterStrength: c.starterStrength,
    },
    logistic: c.discriminative
      ? {
          bits: c.discriminativeBits,
          rate: c.discriminativeRate,
          margin: c.discriminativeMargin,
          ...(c.discriminativeViews ? { views: true } : {}),
          ...(c.discriminativeMaxWeight > 0 ? { maxWeight: c.discriminativeMaxWeight } : {}),
        }
      : null,
    logisticFeatures: c.discriminativeViews ? 'token-views' : 'tokens',
    bayesWeight: c.bayesWeight,
    logitScale: c.logitScale,
    passes: c.discriminativePasses,
  };
}

/** libs/mail parse limits from the configuration (MAIL_PARSE_* keys). */
export function parseLimits(c: BayesConfig): ParseLimits {
  return {
    maxBytes: c.mailMaxBytes,
    maxTextChars: c.mailMaxTextChars,
    maxParts: c.mailMaxParts,
    maxLinks: c.mailMaxLinks,
  };
}
