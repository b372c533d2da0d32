import { configKey } from '../config-key';

/**
 * The learner: the consumer group on spamfilter.feedback.v1 that trains per-user and global Bayes layers and
 * per-user policy. It is a module of apps/api so one image runs api pods, learner pods or both (LEARNER_ENABLED).
 */
export const learnerSection = {
  enabled: configKey.bool('LEARNER_ENABLED', 'Run the learner (feedback consumer group) in this process', true),
  groupId: configKey.string('LEARNER_GROUP_ID', 'Kafka consumer group of the learner', 'spamfilter-learner'),
  senderBlockThreshold: configKey.int(
    'LEARNER_SENDER_BLOCK_THRESHOLD',
    'Spam marks from one sender address after which that sender is blocked for the marking user (0: never)',
    3,
    { min: 0 },
  ),
  globalDailyCapPerUser: configKey.int(
    'LEARNER_GLOBAL_DAILY_CAP',
    'At most this many of one user\'s marks per UTC day also train the global layer',
    50,
    { min: 0 },
  ),
  globalMaxUserFraction: configKey.number(
    'LEARNER_GLOBAL_MAX_USER_FRACTION',
    'One user\'s global trainings never exceed this fraction of all global trainings (after the floor below)',
    0.05,
    { min: 0, max: 1 },
  ),
  globalUserFloor: configKey.int(
    'LEARNER_GLOBAL_USER_FLOOR',
    'Global trainings every user may contribute before the fraction cap applies (a young corpus has to start)',
    20,
    { min: 0 },
  ),
  userMaxTrainings: configKey.int(
    'LEARNER_USER_MAX_TRAININGS',
    'A user\'s layer keeps at most this many trained messages: older ones are untrained (bounds its size and lookup cost)',
    1000,
    { min: 1 },
  ),
};
