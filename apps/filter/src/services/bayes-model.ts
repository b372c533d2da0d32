import { Logger } from '@nestjs/common';
import {
  SpamClassifier,
  spamClassifierOptions,
  type BayesStore,
  type Label,
  type ScopeTotals,
  type ScopeView,
  type SpamClassifierOptions,
  type TrainOutcome,
} from '@spamfilter/bayes';
import type { ModelChangeEvent } from '@spamfilter/domain';
import type { BayesConfig } from '@spamfilter/config';
import { TypeOrmBayesStore } from '@spamfilter/persistence';
import type { EventBus, Subscription } from '@spamfilter/messaging';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { CachedBayesStore, DEFAULT_BAYES_CACHE, type BayesCacheOptions } from './bayes-cache';
import { LogisticSnapshotLoader, type LogisticLoaderOptions } from './logistic-model';
import { installStarter, loadStarter } from './starter';
import type { FilterDatabase } from './persistence/filter-database';

/**
 * The classifier options the filter scans with when the model lives in the database: those the learner trains for.
 * The learner stores no tokenizer of its own — it trains the token ids this filter wrote into scan_record.training
 * (and, for raw marks, apps/api's `scanTraining(parsed)`, which tokenizes with DEFAULT_TOKENIZER: equal to the
 * BAYES_* tokenizer defaults, so keep BAYES_HEADERS/BAYES_MAX_WORDS/BAYES_OSB_WINDOW at their defaults or raw marks
 * train other ids than the filter looks up). The logistic component scores the same token ids with the weights of
 * the newest snapshot the learner's LogisticTrainer wrote (logistic-model.ts); until one is loaded, Bayes alone.
 */
export function filterBayesOptions(config: BayesConfig): SpamClassifierOptions {
  return spamClassifierOptions(config);
}

/**
 * A filter's classifier: the deployed options; until a logistic snapshot is installed the starter model's weights
 * (BAYES_STARTER), or Bayes alone without one.
 */
function filterClassifier(store: BayesStore, config: BayesConfig): SpamClassifier {
  const classifier = new SpamClassifier(store, filterBayesOptions(config));
  classifier.useLogistic(null);
  installStarter(classifier, loadStarter(config.starter));
  return classifier;
}

/**
 * The learner's Bayes tables (bayes_scope, the global scope's bayes_token rows, a user scope's bayes_trained rows)
 * read through the filter's background connection: one `lookup` statement per classification (global + user scope
 * together, TypeOrmBayesStore). Until the database is connected a
 * lookup throws DatabaseUnavailableError, which the pipeline turns into BAYES_TEMPFAIL (weight 0): Bayes says
 * nothing rather than classify with an empty model. Read-only: the filter never trains.
 */
export class FilterDbBayesStore implements BayesStore {
  private store: { readonly dataSource: DataSource; readonly store: TypeOrmBayesStore } | null = null;

  constructor(private readonly database: FilterDatabase) {}

  private current(): TypeOrmBayesStore {
    const dataSource = this.database.repos().dataSource;
    if (this.store?.dataSource !== dataSource)
      this.store = { dataSource, store: TypeOrmBayesStore.of(dataSource) };
    return this.store.store;
  }

  async lookup(scopes: readonly string[], tokens: Uint32Array): Promise<ScopeView[]> {
    return this.current().lookup(scopes, tokens);
  }

  async totals(scope: string): Promise<ScopeTotals> {
    return this.current().totals(scope);
  }

  async trainedLabel(scope: string, fingerprint: string): Promise<Label | null> {
    return this.current().trainedLabel(scope, fingerprint);
  }

  train(): Promise<TrainOutcome> {
    return Promise.reject(new Error('the filter does not train: marks go through apps/api and the learner'));
  }

  prune(): Promise<number> {
    return Promise.reject(new Error('the filter does not prune: the learner owns the Bayes tables'));
  }
}

/**
 * The filter's default Bayes model when it has a database but no bus: the learner's tables read per scan, and the
 * logistic snapshot polled (LOGISTIC_POLL_MS). Call `loader.start()`, and `loader.close()` on shutdown.
 */
export function databaseBayesClassifier(
  config: BayesConfig,
  database: FilterDatabase,
  logistic: LogisticLoaderOptions = DEFAULT_LOGISTIC_LOADER,
): { readonly classifier: SpamClassifier; readonly loader: LogisticSnapshotLoader } {
  const classifier = filterClassifier(new FilterDbBayesStore(database), config);
  return { classifier, loader: new LogisticSnapshotLoader(classifier, database, logistic, logWarning) };
}

export const DEFAULT_LOGISTIC_LOADER: LogisticLoaderOptions = { pollMs: 60_000 };

const logger = new Logger('LogisticSnapshotLoader');
const logWarning = (message: string): void => logger.warn(message);

/**
 * The filter's hot Bayes model (bayes-cache.ts) and its subscription to spamfilter.model.v1: each filter instance
 * needs EVERY change, so each has a consumer group of its own (random suffix: two instances in one process — tests,
 * a launcher — must not share one and split the partitions), starting from now; scopes load from the database.
 */
export class FilterBayesModel {
  /** Called after each change this model applied (the launcher counts it and measures mark → effect). */
  onApplied: ((event: ModelChangeEvent) => void) | null = null;

  private constructor(
    readonly classifier: SpamClassifier,
    readonly cache: CachedBayesStore,
    readonly logistic: LogisticSnapshotLoader,
    private readonly subscription: Subscription,
  ) {}

  static async start(
    config: BayesConfig,
    database: FilterDatabase,
    bus: EventBus,
    options: BayesCacheOptions = DEFAULT_BAYES_CACHE,
    logisticOptions: LogisticLoaderOptions = DEFAULT_LOGISTIC_LOADER,
    campaigns: { apply(event: ModelChangeEvent): void } | null = null,
  ): Promise<FilterBayesModel> {
    const cache = new CachedBayesStore(database, options);
    const classifier = filterClassifier(cache, config);
    const logistic = new LogisticSnapshotLoader(classifier, database, logisticOptions, logWarning);
    let model: FilterBayesModel | null = null;
    // Subscribed (and pinned to the end offsets) before anything is loaded: no change can fall in between.
    const subscription = await bus.subscribe(
      'spamfilter.model.v1',
      `filter-bayes-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
      (event) => {
        if (event.kind === 'logistic') logistic.onEvent(event);
        else if (event.kind === 'bayes') cache.apply(event);
        else if (event.kind === 'campaign') campaigns?.apply(event);
        else return Promise.resolve(); // policy, lists, reputation, directory: FilterEvents' (the cache ignores them)
        model?.onApplied?.(event);
        return Promise.resolve();
      },
      { fromBeginning: false },
    );
    // The global scope before the first scan when the database is already up; otherwise on first use.
    void cache.warm().catch(() => undefined);
    // The newest logistic snapshot in the background (subscribed first, so a newer version's event is not missed).
    logistic.start();
    model = new FilterBayesModel(classifier, cache, logistic, subscription);
    return model;
  }

  async close(): Promise<void> {
    await this.subscription.stop();
    await this.logistic.close();
  }
}
