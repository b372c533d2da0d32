/**
 * The size of the logistic snapshot the deployed model's training side would write (bench/eval/README.md, "Speed and
 * size"; the bound is 8 MB):
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/eval/snapshot-size.ts \
 *     --train DIR (--train-fraction F | --split F …) [--opt key=value …]
 * Trains `DeployedModel` on the training side as eval does and prints the non-zero weights and the bytes of
 * `encodeLogisticWeights` (sparse or dense, whichever is smaller: never more than 4 × 2^BAYES_LR_BITS + 12).
 */
import { encodeLogisticWeights } from '@spamfilter/bayes';
import { loadMessages } from '../lib/corpus';
import { DeployedModel } from './deployed-model';
import { entriesOf, parseArgs } from './eval';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { train } = entriesOf(args);
  const model = new DeployedModel({ headers: args.headers, seed: args.seed, opts: args.opts });
  for (const msg of loadMessages(args.train, train)) await model.learn(msg.raw, msg.label);
  model.finishTraining();
  const weights = model.classifier.logistic?.weights;
  if (!weights) throw new Error('no logistic component in this configuration');
  const nonZero = weights.reduce((n, w) => n + (w !== 0 ? 1 : 0), 0);
  const bytes = encodeLogisticWeights(weights).length;
  process.stdout.write(
    `${JSON.stringify({ trained: train.length, weights: weights.length, nonZero, snapshotBytes: bytes, denseBytes: weights.length * 4 + 12 })}\n`,
  );
}

void main();
