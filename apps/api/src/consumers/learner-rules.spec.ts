import { decideGlobalTraining, isListPreference, learnedBlockLifted, senderBlockDue } from './learner-rules';

const caps = { dailyCapPerUser: 5, maxUserFraction: 0.1, userFloor: 3 };

describe('decideGlobalTraining', () => {
  it('lets a user start a young corpus up to the floor', () => {
    expect(decideGlobalTraining({ userToday: 0, userTotal: 0, globalTotal: 0 }, caps)).toEqual({
      train: true,
    });
    expect(decideGlobalTraining({ userToday: 2, userTotal: 2, globalTotal: 2 }, caps)).toEqual({
      train: true,
    });
  });

  it('refuses past the fraction once the floor is reached', () => {
    const d = decideGlobalTraining({ userToday: 3, userTotal: 3, globalTotal: 3 }, caps);
    expect(d.train).toBe(false);
    expect(d.train === false && d.reason).toMatch(/share cap/);
    // 4 / 100 = 4% ≤ 10%
    expect(decideGlobalTraining({ userToday: 3, userTotal: 3, globalTotal: 99 }, caps)).toEqual({
      train: true,
    });
    // 10 / 91 ≈ 11% > 10%
    expect(decideGlobalTraining({ userToday: 1, userTotal: 9, globalTotal: 90 }, caps).train).toBe(false);
  });

  it('applies the daily cap whatever the corpus size', () => {
    const d = decideGlobalTraining({ userToday: 5, userTotal: 5, globalTotal: 1_000_000 }, caps);
    expect(d.train).toBe(false);
    expect(d.train === false && d.reason).toMatch(/daily cap/);
  });

  it('a cap of 0 means no global training from marks', () => {
    expect(
      decideGlobalTraining({ userToday: 0, userTotal: 0, globalTotal: 10 }, { ...caps, dailyCapPerUser: 0 })
        .train,
    ).toBe(false);
  });
});

describe('isListPreference', () => {
  it('is a spam mark on list mail from a sender the user read', () => {
    expect(
      isListPreference({ label: 'spam', hasListUnsubscribe: true, senderPreviouslyAccepted: true }),
    ).toBe(true);
    expect(isListPreference({ label: 'ham', hasListUnsubscribe: true, senderPreviouslyAccepted: true })).toBe(
      false,
    );
    expect(
      isListPreference({ label: 'spam', hasListUnsubscribe: false, senderPreviouslyAccepted: true }),
    ).toBe(false);
    expect(
      isListPreference({ label: 'spam', hasListUnsubscribe: true, senderPreviouslyAccepted: false }),
    ).toBe(false);
  });
});

describe('senderBlockDue', () => {
  it('fires at the threshold and never when disabled', () => {
    expect(senderBlockDue(2, 3)).toBe(false);
    expect(senderBlockDue(3, 3)).toBe(true);
    expect(senderBlockDue(100, 0)).toBe(false);
  });
});

describe('learnedBlockLifted', () => {
  it('lifts once fewer marks than the threshold remain, or on a not-spam mark', () => {
    expect(learnedBlockLifted({ kind: 'spam_marks_left', remaining: 3 }, 3)).toBe(false);
    expect(learnedBlockLifted({ kind: 'spam_marks_left', remaining: 2 }, 3)).toBe(true);
    expect(learnedBlockLifted({ kind: 'ham_mark' }, 3)).toBe(true);
    // rule disabled: only a list-preference block exists, lifted when its mark is gone
    expect(learnedBlockLifted({ kind: 'spam_marks_left', remaining: 1 }, 0)).toBe(false);
    expect(learnedBlockLifted({ kind: 'spam_marks_left', remaining: 0 }, 0)).toBe(true);
  });
});
