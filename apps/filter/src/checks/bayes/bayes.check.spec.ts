import {
  DEFAULT_SPAM_CLASSIFIER,
  MemoryBayesStore,
  SpamClassifier,
  messageFingerprint,
  tokenize,
} from '@spamfilter/bayes';
import { parseMessageSafe } from '@spamfilter/mail';
import type { ScanContext } from '../../pipeline/check';
import { BayesCheck, bayesHit } from './bayes.check';

const mail = (subject: string, body: string): Buffer =>
  Buffer.from(`From: x@y.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);
const SPAM = [
  'cheap pills online pharmacy discount',
  'viagra pills cheap discount offer',
  'online pharmacy cheap meds discount',
];
const HAM = [
  'meeting agenda for the project review',
  'project review notes and the agenda',
  'minutes of the project meeting',
];

async function trained(floor: number): Promise<{ check: BayesCheck; classifier: SpamClassifier }> {
  // Bayes alone (no discriminative component), so the per-user layer is what moves the verdict.
  const classifier = new SpamClassifier(new MemoryBayesStore(), {
    ...DEFAULT_SPAM_CLASSIFIER,
    bayes: { ...DEFAULT_SPAM_CLASSIFIER.bayes, globalFloor: floor, globalRamp: false, userPrior: 3 },
    logistic: null,
  });
  for (const [i, b] of SPAM.entries()) {
    const raw = mail(`offer ${i}`, b);
    await classifier.learn(null, messageFingerprint(raw), classifier.prepare(parseMessageSafe(raw)), 'spam');
  }
  for (const [i, b] of HAM.entries()) {
    const raw = mail(`notes ${i}`, b);
    await classifier.learn(null, messageFingerprint(raw), classifier.prepare(parseMessageSafe(raw)), 'ham');
  }
  // Other mail of both classes, so the words above are not in every message of their class (as in a real global layer,
  // where a user's background — BAYES_USER_PRIOR — tells common words from telling ones).
  for (let i = 0; i < 20; i++) {
    for (const label of ['spam', 'ham'] as const) {
      const raw = mail(`${label} filler ${i}`, `${label}word${i} ${label}word${i + 1} ${label}shared`);
      await classifier.learn(null, messageFingerprint(raw), classifier.prepare(parseMessageSafe(raw)), label);
    }
  }
  const users = {
    userIdsFor: (r: readonly string[]) =>
      Promise.resolve(new Map(r.map((x) => [x, x === 'fan@a.test' ? 'u-fan' : null]))),
  };
  return { check: new BayesCheck(classifier, users), classifier };
}

const ctx = (raw: Buffer, rcptTo: string[]): ScanContext => ({
  envelope: { clientIp: '192.0.2.1', helo: 'h.test', mailFrom: 'x@y.test', rcptTo, direction: 'inbound' },
  raw,
  message: parseMessageSafe(raw),
  senderDomain: 'y.test',
});

describe('BayesCheck', () => {
  it('reports BAYES_SPAM per recipient with a factor and the probability', async () => {
    const { check } = await trained(3);
    const hits = await check.run(
      ctx(mail('discount', 'cheap pills discount pharmacy'), ['a@a.test', 'b@a.test']),
    );
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ name: 'BAYES_SPAM', recipients: ['a@a.test', 'b@a.test'] });
    expect(hits[0].factor).toBeGreaterThan(0.5);
    const ham = await check.run(ctx(mail('agenda', 'project meeting agenda review'), ['a@a.test']));
    expect(ham[0]).toMatchObject({ name: 'BAYES_HAM' });
  });

  it("the global layer stays silent below its floor; a user's own first mark speaks at once", async () => {
    const { check, classifier } = await trained(200);
    const next = mail('discount', 'cheap pills discount pharmacy');
    expect(await check.run(ctx(next, ['a@a.test', 'fan@a.test']))).toEqual([]);
    const marked = mail('pills', 'cheap pills discount pharmacy today');
    await classifier.learn(
      'u-fan',
      messageFingerprint(marked),
      classifier.prepare(parseMessageSafe(marked)),
      'spam',
    );
    const hits = await check.run(ctx(next, ['a@a.test', 'fan@a.test']));
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ name: 'BAYES_SPAM', recipients: ['fan@a.test'] });
  });

  it('classifies each user with their own layer: one user’s marks do not move another’s verdict', async () => {
    const { check, classifier } = await trained(3);
    const raw = mail('discount', 'cheap pills discount pharmacy');
    for (let i = 0; i < 6; i++) {
      const r = mail(`fan ${i}`, 'cheap pills discount pharmacy');
      await classifier.learn('u-fan', messageFingerprint(r), classifier.prepare(parseMessageSafe(r)), 'ham');
    }
    const hits = await check.run(ctx(raw, ['fan@a.test', 'other@a.test']));
    const fan = hits.find((h) => h.recipients?.includes('fan@a.test'));
    const other = hits.find((h) => h.recipients?.includes('other@a.test'));
    expect(other?.name).toBe('BAYES_SPAM');
    expect(fan?.name).not.toBe('BAYES_SPAM');
  });

  it('writes the training record from the tokens it classified with', async () => {
    const { check } = await trained(3);
    const c = ctx(mail('x', 'cheap pills'), ['a@a.test']);
    expect(check.training(c)).toEqual({
      tokens: Array.from(tokenize(c.message).ids),
      sender: 'x@y.test',
      listUnsubscribe: false,
    });
  });

  it("records the global model's own logit, not a marking user's, for the learner's agreement rule", async () => {
    const { check, classifier } = await trained(3);
    const raw = mail('discount', 'cheap pills discount pharmacy');
    for (let i = 0; i < 6; i++) {
      const r = mail(`fan ${i}`, 'cheap pills discount pharmacy');
      await classifier.learn('u-fan', messageFingerprint(r), classifier.prepare(parseMessageSafe(r)), 'ham');
    }
    const c = ctx(raw, ['fan@a.test']);
    await check.run(c);
    const global = (await classifier.classify(classifier.prepare(c.message), null)).logit;
    const fan = (await classifier.classify(classifier.prepare(c.message), 'u-fan')).logit;
    expect(fan).toBeLessThan(global - 1);
    expect(check.training(c).globalLogit).toBeCloseTo(global, 2);
  });

  it('maps probabilities to factors with a neutral band', () => {
    expect(bayesHit(0.5, 0)).toBeNull();
    expect(bayesHit(0.99, 4.6)).toMatchObject({ name: 'BAYES_SPAM', factor: 1 });
    expect(bayesHit(0.01, -4.6)).toMatchObject({ name: 'BAYES_HAM', factor: 1 });
    expect(bayesHit(0.9, 2.2)).toMatchObject({ name: 'BAYES_SPAM', factor: 1 });
    expect(bayesHit(0.7, 0.85)?.factor).toBeCloseTo(0.5, 2);
    expect(bayesHit(0.99, 4.6)?.options).toEqual(['99.00%', 'logit=4.6']);
    expect(bayesHit(0.99, 4.6, 2.345)?.options).toEqual(['99.00%', 'logit=4.6', 'lr=2.35']);
  });
});
