import { decideRetrain, type RetrainSettings, type RetrainState } from './logistic-retrain-rules';

const settings: RetrainSettings = { minChanges: 50, maxAgeSeconds: 300 };
const t0 = new Date('2026-11-22T12:00:00Z');
const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);
const state = (
  globalVersion: number,
  snapshotVersion: number | null,
  ageSeconds = 0,
  sameFeatures = true,
): RetrainState => ({
  globalVersion,
  snapshot: snapshotVersion === null ? null : { globalVersion: snapshotVersion, createdAt: t0, sameFeatures },
  now: at(ageSeconds),
});

describe('decideRetrain', () => {
  it('trains the first snapshot as soon as the global layer has any training, not before', () => {
    expect(decideRetrain(state(0, null), settings)).toEqual({
      retrain: false,
      reason: 'the global layer was never trained',
    });
    expect(decideRetrain(state(1, null), settings).retrain).toBe(true);
  });

  it('retrains at LOGISTIC_RETRAIN_MIN_CHANGES changes, not one before', () => {
    expect(decideRetrain(state(149, 100, 10), settings).retrain).toBe(false);
    expect(decideRetrain(state(150, 100, 10), settings)).toEqual({
      retrain: true,
      reason: '50 changes ≥ 50',
    });
  });

  it('retrains a smaller change once the snapshot is LOGISTIC_RETRAIN_MAX_AGE_SECONDS old', () => {
    expect(decideRetrain(state(101, 100, 299), settings).retrain).toBe(false);
    expect(decideRetrain(state(101, 100, 300), settings).retrain).toBe(true);
    expect(decideRetrain(state(101, 100, 300), { ...settings, maxAgeSeconds: 0 }).retrain).toBe(false);
  });

  it('never retrains an unchanged layer, however old the snapshot', () => {
    expect(decideRetrain(state(100, 100, 1e6), settings)).toEqual({
      retrain: false,
      reason: 'the global layer has not changed',
    });
  });

  it('retrains when the version went backwards (restored tables) or the features differ', () => {
    expect(decideRetrain(state(20, 100, 1), settings).retrain).toBe(true);
    expect(decideRetrain(state(100, 100, 0, false), settings)).toEqual({
      retrain: true,
      reason: 'the snapshot was trained for other features',
    });
  });
});
