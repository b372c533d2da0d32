import { configKey } from '../config-key';

/**
 * The deployed logistic component (libs/bayes SpamClassifier's discriminative part, BAYES_DISCRIMINATIVE): the learner
 * retrains its weights in batch from the global layer's training set (apps/api LogisticTrainer, one instance at a
 * time under a database lock), stores them as a snapshot (logistic_snapshot) and announces the version on
 * spamfilter.model.v1; every filter loads the newest snapshot and scores with Bayes alone until there is one.
 */
export const logisticSection = {
  trainerEnabled: configKey.bool(
    'LOGISTIC_TRAINER_ENABLED',
    'Run the logistic trainer in this process (only where LEARNER_ENABLED=true; one instance trains at a time, under a database lock)',
    true,
  ),
  minChanges: configKey.int(
    'LOGISTIC_RETRAIN_MIN_CHANGES',
    'Retrain once the global layer has changed by this many trainings, corrections or undos since the last snapshot',
    50,
    { min: 1 },
  ),
  maxAgeSeconds: configKey.int(
    'LOGISTIC_RETRAIN_MAX_AGE_SECONDS',
    'Retrain a smaller change once the last snapshot is this old (0: only by LOGISTIC_RETRAIN_MIN_CHANGES)',
    300,
    { min: 0 },
  ),
  minPerClass: configKey.int(
    'LOGISTIC_MIN_PER_CLASS',
    'Global trainings of each class before the trainer makes a snapshot (until then filters score with the starter model, or Bayes alone)',
    20,
    { min: 1 },
  ),
  maxExamples: configKey.int(
    'LOGISTIC_MAX_EXAMPLES',
    'The newest global trainings the weights are trained on (memory and time of a retrain grow with it)',
    20000,
    { min: 2 },
  ),
  checkIntervalMs: configKey.int(
    'LOGISTIC_CHECK_INTERVAL_MS',
    'How often the trainer compares the global layer with the last snapshot',
    5000,
    { min: 100 },
  ),
  snapshotsKept: configKey.int(
    'LOGISTIC_SNAPSHOTS_KEPT',
    'Snapshots kept in the database (older ones are deleted after each retrain)',
    3,
    { min: 1 },
  ),
  pollMs: configKey.int(
    'LOGISTIC_POLL_MS',
    'Filter: how often it checks for a newer snapshot besides the model-change events (a missed event, no bus)',
    60000,
    { min: 100 },
  ),
};
