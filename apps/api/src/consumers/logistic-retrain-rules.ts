/**
 * When the logistic trainer retrains: a pure function over what it reads under its lock, with the numbers from
 * LOGISTIC_* configuration. The weights are a function of the global layer's training set, so a retrain is due when
 * that set has changed enough (count) or has changed at all and the snapshot is old (age), or when the snapshot was
 * trained for other features than this process would extract (a configuration change).
 */
export interface RetrainSettings {
  /** Changes of the global layer (trainings, corrections, undos) that make a retrain due. */
  readonly minChanges: number;
  /** A smaller change is retrained once the snapshot is this old; 0: never by age. */
  readonly maxAgeSeconds: number;
}

export interface RetrainState {
  /** Changes of the global training set so far (LogisticSnapshotRepository.globalVersion; 0: never trained). */
  readonly globalVersion: number;
  /** The newest snapshot, or null when there is none. */
  readonly snapshot: {
    readonly globalVersion: number;
    readonly createdAt: Date;
    /** Trained for the features this trainer would extract (same feature set and hash space). */
    readonly sameFeatures: boolean;
  } | null;
  readonly now: Date;
}

export type RetrainDecision = { readonly retrain: boolean; readonly reason: string };

export function decideRetrain(s: RetrainState, o: RetrainSettings): RetrainDecision {
  if (!s.snapshot) {
    return s.globalVersion > 0
      ? { retrain: true, reason: 'no snapshot yet' }
      : { retrain: false, reason: 'the global layer was never trained' };
  }
  // A version below the snapshot's means the tables were restored or reset: the set changed all the same.
  const changes = Math.abs(s.globalVersion - s.snapshot.globalVersion);
  if (!s.snapshot.sameFeatures)
    return { retrain: true, reason: 'the snapshot was trained for other features' };
  if (changes === 0) return { retrain: false, reason: 'the global layer has not changed' };
  if (changes >= o.minChanges) return { retrain: true, reason: `${changes} changes ≥ ${o.minChanges}` };
  const ageSeconds = (s.now.getTime() - s.snapshot.createdAt.getTime()) / 1000;
  if (o.maxAgeSeconds > 0 && ageSeconds >= o.maxAgeSeconds)
    return {
      retrain: true,
      reason: `${changes} changes, snapshot ${Math.round(ageSeconds)} s old ≥ ${o.maxAgeSeconds} s`,
    };
  return {
    retrain: false,
    reason: `${changes} changes < ${o.minChanges}, snapshot ${Math.round(ageSeconds)} s old`,
  };
}
