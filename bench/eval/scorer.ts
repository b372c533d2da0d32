import type { CorpusMessage } from '../lib/corpus';

/**
 * What the harness evaluates: anything that learns from labelled raw messages and scores raw messages (higher =
 * spammier). The filter's `--pipeline` scorer plugs in here as well as the Bayes model and the baselines.
 */
export interface Scorer {
  readonly name: string;
  /** Score at or above which the scorer calls a message spam by default. */
  readonly threshold: number;
  learn(msg: CorpusMessage, label: 'spam' | 'ham'): Promise<void> | void;
  /** Called once after the initial training set (batch passes, caches); optional. */
  finishTraining?(): Promise<void> | void;
  score(msg: CorpusMessage): Promise<number> | number;
  /** What made up a message's score, one line, for `--dump`; optional. */
  explain?(msg: CorpusMessage): Promise<string> | string;
  /** Notes printed with the result (caps, caveats). */
  readonly notes?: string[];
}

export interface ScorerOptions {
  readonly headers: 'neutral' | 'all';
  readonly seed: number;
  /** Free-form switches (`--opt k=v`) for experiments. */
  readonly opts: ReadonlyMap<string, string>;
}
