import {
  GLOBAL_SCOPE,
  logisticModelConfig,
  messageFingerprint,
  rebuildableFromTokens,
  spamClassifierOptions,
  tokenize,
} from '@spamfilter/bayes';
import type { AppConfig } from '@spamfilter/config';
import { parseMessageSafe } from '@spamfilter/mail';
import { LogisticSnapshotRepository, TypeOrmBayesStore } from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import { trainLogisticSnapshot } from '../../apps/api/src/consumers/logistic-trainer';
import type { CorpusMessage } from './corpus';

export interface TrainedModelSummary {
  readonly trainings: number;
  /** The logistic snapshot written, or null when the configuration has no logistic component. */
  readonly logisticSnapshot: number | null;
  readonly ms: number;
}

/**
 * Gives the database a filter is about to open a trained model, as the learner leaves it: every message into the
 * global Bayes layer (the deployed tokenizer, the learner's store), then one logistic snapshot of that layer (the
 * trainer's training step). A filter measured on an empty model would skip the per-token lookups and the logistic
 * score that a deployed one does on every scan.
 */
export async function trainModel(
  config: AppConfig,
  dataSource: DataSource,
  messages: readonly CorpusMessage[],
): Promise<TrainedModelSummary> {
  const started = Date.now();
  const options = spamClassifierOptions(config.bayes);
  const store = TypeOrmBayesStore.of(dataSource);
  const now = new Date();
  for (const m of messages) {
    const tokens = tokenize(parseMessageSafe(m.raw), options.tokenizer).ids;
    await store.train(GLOBAL_SCOPE, messageFingerprint(m.raw), tokens, m.label, now);
  }
  const model = logisticModelConfig(options);
  let logisticSnapshot: number | null = null;
  if (model && rebuildableFromTokens(model.features)) {
    const repo = new LogisticSnapshotRepository(dataSource);
    const trained = await trainLogisticSnapshot(
      await repo.newestGlobalTrainings(config.logistic.maxExamples),
      model,
    );
    if ('unusable' in trained) throw new Error(`cannot train the logistic component: ${trained.unusable}`);
    logisticSnapshot = await repo.add(
      {
        weights: trained.weights,
        config: model,
        trainedCount: trained.examples,
        spam: trained.spam,
        ham: trained.ham,
        globalVersion: 0,
        createdAt: now,
      },
      1,
      // No announcement: the filter starts after this and loads the newest snapshot at start.
      () => Promise.resolve(),
    );
  }
  return { trainings: messages.length, logisticSnapshot, ms: Date.now() - started };
}
