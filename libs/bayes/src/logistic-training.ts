import type { Label } from './bayes-store';
import { OnlineLogistic, type LogisticOptions } from './online-logistic';

/** One training message of the logistic component: its hashed features and class. */
export interface LogisticExample {
  readonly features: Uint32Array;
  readonly label: Label;
}

/**
 * The logistic component trained from scratch on a training set: the first pass in the given order (oldest first,
 * as the messages arrived), then `passes − 1` passes in a seeded random order. A pure function of the set and the
 * options — the learner's LogisticTrainer retrains the deployed weights with it, and the evaluation harness's "both"
 * model is trained with it, so the two cannot drift. Later passes are shuffled because a stream grouped by class
 * (Enron's index is) would otherwise leave the weights tilted toward whichever class came last; the seed is fixed so
 * that one set always gives the same weights (two trainers, or a retrain after a restart, agree bit for bit).
 */
export function trainLogistic(
  examples: readonly LogisticExample[],
  options: LogisticOptions,
  passes: number,
  start: Float32Array | null = null,
): OnlineLogistic {
  const model = startModel(options, start);
  for (const _ of trainingSlices(model, examples, passes, Number.POSITIVE_INFINITY)) {
    // one slice: everything
  }
  return model.averaged();
}

/**
 * `trainLogistic` in slices of `slice` steps with the event loop let through between them (a retrain of 20,000
 * messages × 8 passes takes seconds; in the embedded shape the same process answers scans). The same steps in the
 * same order: the weights are bit for bit those of `trainLogistic`.
 */
export async function trainLogisticInSlices(
  examples: readonly LogisticExample[],
  options: LogisticOptions,
  passes: number,
  slice = 2000,
  start: Float32Array | null = null,
): Promise<OnlineLogistic> {
  const model = startModel(options, start);
  for (const _ of trainingSlices(model, examples, passes, slice))
    await new Promise<void>((resolve) => setImmediate(resolve));
  return model.averaged();
}

/**
 * A fresh model, or one that starts from `start`'s weights (copied): a warm start from the starter model's weights
 * while the provider's own training set is small (starter-model.ts), so its first snapshots correct the starter
 * instead of replacing it with what a few dozen marks can teach.
 */
function startModel(options: LogisticOptions, start: Float32Array | null): OnlineLogistic {
  if (!start) return new OnlineLogistic(options);
  if (start.length !== 1 << options.bits)
    throw new Error(`start weights of ${start.length} features for ${options.bits} bits`);
  return new OnlineLogistic(options, start.slice());
}

/** The training steps, pausing (`yield`) every `slice` steps: pass 1 in order (unless the caller made it), then shuffled. */
function* trainingSlices(
  model: OnlineLogistic,
  examples: readonly LogisticExample[],
  passes: number,
  slice: number,
  firstPass = true,
): Generator<void> {
  let steps = 0;
  if (firstPass)
    for (const ex of examples) {
      model.learn(ex.features, ex.label === 'spam');
      if (++steps % slice === 0) yield;
    }
  const order = examples.map((_, i) => i);
  let seed = 0x2545f491;
  for (let p = 1; p < passes; p++) {
    for (let i = order.length - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const i of order) {
      const ex = examples[i] as LogisticExample;
      model.learn(ex.features, ex.label === 'spam');
      if (++steps % slice === 0) yield;
    }
  }
}

/** Passes 2..`passes` over `examples` in a seeded random order (pass 1 was made by the caller). */
export function extraPasses(
  model: OnlineLogistic,
  examples: readonly LogisticExample[],
  passes: number,
): void {
  for (const _ of trainingSlices(model, examples, passes, Number.POSITIVE_INFINITY, false)) {
    // one slice: everything
  }
}
