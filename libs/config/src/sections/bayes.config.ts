import { configKey } from '../config-key';

/**
 * The learning core (libs/bayes, libs/mail): MIME parsing limits, tokenizer, Robinson–Fisher, per-user blending, the
 * discriminative component and token expiry. Defaults are the values measured in bench/eval/README.md.
 */
export const bayesSection = {
  mailMaxBytes: configKey.int(
    'MAIL_PARSE_MAX_BYTES',
    'Bytes of a message that are MIME-parsed at all (the rest is ignored and the parse marked truncated)',
    2 * 1024 * 1024,
    { min: 1024 },
  ),
  mailMaxTextChars: configKey.int(
    'MAIL_PARSE_MAX_TEXT_CHARS',
    'Characters of decoded text kept per message for tokenizing and heuristics',
    200_000,
    { min: 1000 },
  ),
  mailMaxParts: configKey.int('MAIL_PARSE_MAX_PARTS', 'MIME parts walked per message', 100, { min: 1 }),
  mailMaxLinks: configKey.int('MAIL_PARSE_MAX_LINKS', 'Links collected per message', 500, { min: 0 }),
  headers: configKey.oneOf(
    'BAYES_HEADERS',
    'Header tokens: neutral (Subject, From display name, content headers) or all (every header, including Received and X-*)',
    ['neutral', 'all'] as const,
    'neutral',
  ),
  maxWords: configKey.int(
    'BAYES_MAX_WORDS',
    'Body words read per message (bounds a million-token message)',
    5000,
    { min: 10 },
  ),
  osbWindow: configKey.int(
    'BAYES_OSB_WINDOW',
    'Orthogonal sparse bigrams up to this distance (0: off; they did not help across time)',
    0,
    { min: 0, max: 5 },
  ),
  strength: configKey.number(
    'BAYES_STRENGTH',
    "Robinson's s: weight of the prior for rare tokens, in messages",
    0.45,
    { min: 0.01, max: 10 },
  ),
  minDev: configKey.number('BAYES_MIN_DEV', 'Tokens with |f(w) − 0.5| below this are ignored', 0.1, {
    min: 0,
    max: 0.49,
  }),
  maxTokens: configKey.int('BAYES_MAX_TOKENS', 'Most significant tokens combined per message', 150, {
    min: 1,
    max: 2000,
  }),
  userStrength: configKey.number(
    'BAYES_USER_STRENGTH',
    "Weight of the global f(w) as the prior of a user's own counts, in messages",
    1,
    { min: 0.01, max: 100 },
  ),
  userWeight: configKey.number(
    'BAYES_USER_WEIGHT',
    "How much one of a user's own marks counts against the global prior",
    2,
    { min: 0.1, max: 100 },
  ),
  userPrior: configKey.number(
    'BAYES_USER_PRIOR',
    "Background of a user's own counts, in messages: a class the user has not marked falls back to how common each word is in it globally (0: none; bench/personal)",
    1,
    { min: 0, max: 1000 },
  ),
  userNearCopy: configKey.number(
    'BAYES_USER_NEAR_COPY',
    "A message this much of whose tokens are in a user's marks of one class is a near-copy of what they marked: their own counts speak without the background (0: never; bench/personal)",
    0.7,
    { min: 0, max: 1 },
  ),
  minLearns: configKey.int(
    'BAYES_MIN_LEARNS',
    "Messages per class the global layer needs before its own verdict counts fully (rspamd: 200); a user's own marks count from the first",
    200,
    { min: 0 },
  ),
  globalRamp: configKey.bool(
    'BAYES_GLOBAL_RAMP',
    'Below BAYES_MIN_LEARNS weigh the global layer by trained/BAYES_MIN_LEARNS (true) instead of ignoring it (false)',
    true,
  ),
  starter: configKey.string(
    'BAYES_STARTER',
    'Starter model a fresh installation scores with until its own global layer has grown: off, builtin (libs/bayes/starter, learned from public corpora) or a file path',
    'off',
  ),
  starterStrength: configKey.number(
    'BAYES_STARTER_STRENGTH',
    "Weight of the starter's view of a word against the provider's own global counts, in messages",
    1,
    { min: 0.01, max: 1000 },
  ),
  discriminative: configKey.bool(
    'BAYES_DISCRIMINATIVE',
    "Add the global logistic regression over the messages' token ids to the Bayes logit (retrained by the learner from the global training set, LOGISTIC_*)",
    true,
  ),
  discriminativeBits: configKey.int(
    'BAYES_LR_BITS',
    'Hashed feature space of the logistic component, in bits (memory: 4 bytes × 2^bits)',
    20,
    { min: 12, max: 24 },
  ),
  discriminativeRate: configKey.number('BAYES_LR_RATE', 'Learning rate of the logistic component', 1, {
    min: 0.001,
    max: 10,
  }),
  discriminativePasses: configKey.int(
    'BAYES_LR_PASSES',
    'Passes of the logistic component over its training set (the first in arrival order, the rest shuffled)',
    8,
    { min: 1, max: 50 },
  ),
  discriminativeMargin: configKey.number(
    'BAYES_LR_MARGIN',
    'The logistic component trains only on messages it scores within this margin (logit) or wrongly',
    3,
    { min: 0, max: 50 },
  ),
  discriminativeViews: configKey.bool(
    'BAYES_LR_VIEWS',
    'Learn words and structural tokens (content headers, URLs, HTML, attachments) as two views of the logistic component, each on its own (it generalised to mail of other sources)',
    true,
  ),
  discriminativeMaxWeight: configKey.number(
    'BAYES_LR_MAX_WEIGHT',
    'Bound on each weight of the logistic component (0: none); no single token can outvote a message',
    2,
    { min: 0, max: 1000 },
  ),
  bayesWeight: configKey.number(
    'BAYES_WEIGHT',
    "Weight of Bayes' compressed logit sign(b)·ln(1+|b|) added to the logistic logit",
    0.5,
    { min: 0, max: 10 },
  ),
  logitScale: configKey.number(
    'BAYES_LOGIT_SCALE',
    'The combined logit (logistic + Bayes) is multiplied by this before it becomes the probability BAYES_SPAM/BAYES_HAM read (two views add up to twice the spread of one)',
    0.5,
    { min: 0.05, max: 10 },
  ),
  pruneAfterDays: configKey.int(
    'BAYES_PRUNE_AFTER_DAYS',
    'Rare tokens not trained for this many days expire',
    90,
    { min: 1 },
  ),
  pruneMaxCount: configKey.int(
    'BAYES_PRUNE_MAX_COUNT',
    'A token seen in at most this many messages counts as rare for expiry',
    1,
    { min: 0 },
  ),
};
