import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  encodeLogisticWeights,
  featuresMatch,
  logisticModelConfig,
  logisticOptionsOf,
  readLogisticModelConfig,
  rebuildableFromTokens,
  spamClassifierOptions,
  tokenFeatures,
  trainLogisticInSlices,
  type LogisticExample,
  type LogisticModelConfig,
} from '@spamfilter/bayes';
import type { AppConfig } from '@spamfilter/config';
import type { ModelChangeEvent } from '@spamfilter/domain';
import { LogisticSnapshotRepository, OutboxRepository, type GlobalTraining } from '@spamfilter/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { OutboxRelayService } from '../services/outbox-relay.service';
import { GLOBAL_KEY, MODEL_TOPIC } from './learner.service';
import { decideRetrain } from './logistic-retrain-rules';

export type TrainerOutcome =
  | { readonly status: 'off'; readonly reason: string }
  | { readonly status: 'locked' }
  | { readonly status: 'skipped'; readonly reason: string }
  | {
      readonly status: 'trained';
      readonly version: number;
      readonly reason: string;
      readonly examples: number;
      readonly bytes: number;
      readonly ms: number;
    };

/**
 * Retrains the global logistic component (libs/bayes SpamClassifier's discriminative part) in batch from the global
 * layer's training set, and publishes it as a snapshot. Why batch and not online in the learner: the weights are a
 * pure function of that set (libs/bayes trainLogistic), so one retrain is exact where online steps in several
 * learner instances would each see part of the stream and could not undo a correction or an undo.
 *
 * Every LOGISTIC_CHECK_INTERVAL_MS it compares the global layer's version with the newest snapshot's
 * (decideRetrain); when due it takes the trainer lock (one learner instance trains at a time), re-reads the state,
 * reads the newest LOGISTIC_MAX_EXAMPLES global trainings, trains (multi-pass, seeded: the same set gives the same
 * weights), writes the snapshot row and a 'logistic' ModelChangeEvent to the outbox in one transaction — the event
 * carries only the version; filters read the weights from the database. Only the token-id features can be rebuilt
 * from a training record, so the trainer is off when the configured feature set needs the message text.
 */
@Injectable()
export class LogisticTrainer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(LogisticTrainer.name);
  private readonly repo: LogisticSnapshotRepository;
  private readonly outbox: OutboxRepository;
  private readonly model: LogisticModelConfig | null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  /** The global version last found unusable (one class only), so an unchanged set is not read again. */
  private unusableAt: number | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelayService,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.repo = new LogisticSnapshotRepository(db);
    this.outbox = new OutboxRepository(db);
    this.model = logisticModelConfig(spamClassifierOptions(config.bayes));
  }

  onApplicationBootstrap(): void {
    if (!this.config.logistic.trainerEnabled) return;
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One check (and retrain when due). Exceptions are bugs or database failures; the loop logs them and goes on. */
  async runOnce(now = new Date()): Promise<TrainerOutcome> {
    const model = this.model;
    if (!model) return { status: 'off', reason: 'BAYES_DISCRIMINATIVE=false' };
    if (!rebuildableFromTokens(model.features))
      return { status: 'off', reason: `features ${model.features} cannot be rebuilt from training records` };
    const ran = await this.repo.withTrainerLock(() => this.retrainIfDue(model, now));
    return ran ? ran.result : { status: 'locked' };
  }

  private async retrainIfDue(model: LogisticModelConfig, now: Date): Promise<TrainerOutcome> {
    const started = Date.now();
    // Read before the set: a training that lands in between is counted again by the next check (at worst one extra
    // retrain), never lost.
    const globalVersion = await this.repo.globalVersion();
    const latest = await this.repo.latest();
    const trained = latest ? readLogisticModelConfig(latest.config) : null;
    const decision = decideRetrain(
      {
        globalVersion,
        snapshot: latest
          ? {
              globalVersion: latest.globalVersion,
              createdAt: latest.createdAt,
              sameFeatures: trained !== null && featuresMatch(trained, model),
            }
          : null,
        now,
      },
      { minChanges: this.config.logistic.minChanges, maxAgeSeconds: this.config.logistic.maxAgeSeconds },
    );
    if (!decision.retrain) return { status: 'skipped', reason: decision.reason };
    if (this.unusableAt === globalVersion)
      return { status: 'skipped', reason: 'the training set is still too small' };

    const set = await this.repo.newestGlobalTrainings(this.config.logistic.maxExamples);
    const result = await trainLogisticSnapshot(set, model, this.config.logistic.minPerClass);
    if ('unusable' in result) {
      this.unusableAt = globalVersion;
      return { status: 'skipped', reason: result.unusable };
    }
    this.unusableAt = null;
    const { weights, spam, ham, examples } = result;
    const version = await this.repo.add(
      { weights, config: model, trainedCount: examples, spam, ham, globalVersion, createdAt: now },
      this.config.logistic.snapshotsKept,
      async (m, v) => {
        const event: ModelChangeEvent = {
          eventId: randomUUID(),
          kind: 'logistic',
          userId: null,
          version: v,
          occurredAt: now.toISOString(),
          payload: { version: v },
        };
        await this.outbox.add(m, { topic: MODEL_TOPIC, key: GLOBAL_KEY, payload: event }, now);
      },
    );
    this.relay.kick();
    const ms = Date.now() - started;
    this.log.log(
      `logistic snapshot ${version}: ${examples} trainings (${spam} spam, ${ham} ham), ${weights.length} bytes, ${ms} ms (${decision.reason})`,
    );
    return { status: 'trained', version, reason: decision.reason, examples, bytes: weights.length, ms };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((err: unknown) =>
          this.log.warn(`logistic retrain failed: ${err instanceof Error ? err.message : String(err)}`),
        )
        .finally(() => this.schedule(this.config.logistic.checkIntervalMs));
    }, delayMs);
    this.timer.unref();
  }
}

/**
 * The weights of a snapshot, trained from the global layer's trainings (newest last) with the token-id features;
 * `unusable` when the set has fewer than `minPerClass` of a class (bench/fresh: from about 20 of each the provider's own
 * weights beat the starter model's on its mail). In slices: the learner (and, embedded, the filter) keep answering
 * while it trains.
 */
export async function trainLogisticSnapshot(
  set: readonly GlobalTraining[],
  model: LogisticModelConfig,
  minPerClass = 1,
): Promise<
  | { readonly weights: Uint8Array; readonly spam: number; readonly ham: number; readonly examples: number }
  | { readonly unusable: string }
> {
  const examples: LogisticExample[] = [];
  for (let i = 0; i < set.length; i++) {
    const t = set[i] as GlobalTraining;
    examples.push({
      features: tokenFeatures(t.tokens, model.bits, model.features === 'token-views'),
      label: t.label,
    });
    if (i % 2000 === 1999) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const spam = examples.filter((e) => e.label === 'spam').length;
  const ham = examples.length - spam;
  // A snapshot of a handful of marks would outvote Bayes' floor and the starter model: none before LOGISTIC_MIN_PER_CLASS.
  if (spam < minPerClass || ham < minPerClass)
    return {
      unusable: `the training set has ${spam} spam and ${ham} ham, fewer than ${minPerClass} of each`,
    };
  const weights = encodeLogisticWeights(
    (await trainLogisticInSlices(examples, logisticOptionsOf(model), model.passes)).weights,
  );
  return { weights, spam, ham, examples: examples.length };
}
