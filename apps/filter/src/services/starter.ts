import {
  decodeStarterModel,
  starterLogistic,
  type SpamClassifier,
  type StarterModel,
} from '@spamfilter/bayes';
import { ConfigError } from '@spamfilter/config';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const BUILTIN = join('libs', 'bayes', 'starter', 'starter-model.bin');

/**
 * The starter model BAYES_STARTER names: `off` (null), `builtin` (libs/bayes/starter/starter-model.bin, found from
 * this file's folder upward: the repository in development, /app in the image, which copies that folder) or a path.
 * A starter that is named but missing or damaged stops the filter at start (ConfigError): scoring silently without it
 * is the failure it exists to prevent.
 */
export function loadStarter(spec: string): StarterModel | null {
  if (spec === 'off' || spec === '') return null;
  const path = spec === 'builtin' ? findUp(BUILTIN) : spec;
  if (!path || !existsSync(path))
    throw new ConfigError('BAYES_STARTER', `names no readable file (${spec === 'builtin' ? BUILTIN : spec})`);
  try {
    return decodeStarterModel(readFileSync(path));
  } catch (err) {
    throw new ConfigError('BAYES_STARTER', `${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Installs the starter in a classifier: its counts as the prior of the global layer, its logistic weights until the
 * learner's first snapshot replaces them (LogisticSnapshotLoader installs that over it). Weights of another hash
 * size or feature set than this filter's are left out (the counts still apply).
 */
export function installStarter(classifier: SpamClassifier, starter: StarterModel | null): void {
  classifier.bayes.useStarter(starter);
  const bits = classifier.options.logistic?.bits;
  if (starter && bits !== undefined && classifier.logistic === null)
    classifier.useLogistic(starterLogistic(starter, bits, classifier.options.logisticFeatures));
}

function findUp(relative: string): string | null {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
