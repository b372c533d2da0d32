import { BayesScorer } from './bayes.scorer';
import { PipelineScorer } from './pipeline.scorer';
import type { Scorer, ScorerOptions } from './scorer';

/** Scorers the harness can evaluate (`--scorer NAME`); add a factory here to plug in another one. */
export const SCORERS: Record<string, (opts: ScorerOptions) => Scorer> = {
  bayes: (opts) => new BayesScorer(opts),
  pipeline: (opts) => new PipelineScorer(opts),
};
