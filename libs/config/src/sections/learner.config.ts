import { configKey } from '../config-key';

/**
 * The learner: the consumer group on spamfilter.feedback.v1 that trains per-user and global Bayes layers and
 * per-user policy. It is a module of apps/api so one image runs api pods, learner pods or both (LEARNER_ENABLED).
 */
export const learnerSection = {
  enabled: configKey.bool(
    'LEARNER_ENABLED',
    'Run the learner (feedback consumer group) in this process',
    true,
  ),
  groupId: configKey.string('LEARNER_GROUP_ID', 'Kafka consumer group of the learner', 'spamfilter-learner'),
  senderBlockThreshold: configKey.int(
    'LEARNER_SENDER_BLOCK_THRESHOLD',
    'Spam marks from one sender address after which that sender is blocked for the marking user (0: never)',
    3,
    { min: 0 },
  ),
  globalDailyCapPerUser: configKey.int(
    'LEARNER_GLOBAL_DAILY_CAP',
    "At most this many of one user's marks per UTC day also train the global layer",
    50,
    { min: 0 },
  ),
  globalMaxUserFraction: configKey.number(
    'LEARNER_GLOBAL_MAX_USER_FRACTION',
    "One user's global trainings never exceed this fraction of all global trainings (after the floor below)",
    0.05,
    { min: 0, max: 1 },
  ),
  globalUserFloor: configKey.int(
    'LEARNER_GLOBAL_USER_FLOOR',
    'Global trainings every user may contribute before the fraction cap applies (a young corpus has to start)',
    20,
    { min: 0 },
  ),
  shareDefault: configKey.bool(
    'LEARNER_SHARE_DEFAULT',
    'Whether marks train the shared model (global layer, campaigns) for users who, and whose domain, never answered (an installation-wide policy; users and domains decide through the API)',
    false,
  ),
  globalMinSupport: configKey.number(
    'LEARNER_GLOBAL_MIN_SUPPORT',
    "Agreement a mark needs to train the global layer: the filter's confident verdict counts 1, each user marking near-copies the same way their trust (< 1); 0: every consenting mark within the caps",
    1.5,
    { min: 0, max: 100 },
  ),
  confidentLogit: configKey.number(
    'LEARNER_CONFIDENT_LOGIT',
    "The global model's logit at scan time from which its verdict counts as confident (2.2: p ≈ 0.9)",
    2.2,
    { min: 0, max: 50 },
  ),
  trustMarks: configKey.int(
    'LEARNER_TRUST_MARKS',
    'Agreeing marks a user needs before their marks weigh fully in the agreement',
    10,
    { min: 1 },
  ),
  trustMinAgeDays: configKey.number(
    'LEARNER_TRUST_MIN_AGE_DAYS',
    'Accounts younger than this weigh nothing in the agreement and make no campaign',
    7,
    { min: 0 },
  ),
  campaignUsers: configKey.int(
    'LEARNER_CAMPAIGN_USERS',
    'Distinct established voters (accounts older than LEARNER_TRUST_MIN_AGE_DAYS, ARF reports) marking near-copies spam that make a campaign: CAMPAIGN for every recipient of one (0: off)',
    3,
    { min: 0 },
  ),
  campaignSimilarity: configKey.number(
    'LEARNER_CAMPAIGN_SIMILARITY',
    'Share of equal MinHash values (estimated Jaccard similarity of the token sets) from which two messages are near-copies',
    0.5,
    { min: 0.1, max: 1 },
  ),
  campaignDays: configKey.number(
    'LEARNER_CAMPAIGN_DAYS',
    'Days a campaign vote counts, and an unchanged campaign lasts',
    14,
    { min: 0.01 },
  ),
  userMaxTrainings: configKey.int(
    'LEARNER_USER_MAX_TRAININGS',
    "A user's layer keeps at most this many trained messages: older ones are untrained (bounds its size and lookup cost)",
    1000,
    { min: 1 },
  ),
};
