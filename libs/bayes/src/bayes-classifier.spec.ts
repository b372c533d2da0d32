import { DEFAULT_PARSE_LIMITS, parseMessageSync } from '@spamfilter/mail';
import { BayesClassifier, DEFAULT_BAYES } from './bayes-classifier';
import { buildStarterModel } from './starter-model';
import { GLOBAL_SCOPE, userScope } from './bayes-store';
import { MemoryBayesStore } from './memory-bayes.store';
import { DEFAULT_TOKENIZER, tokenize, type TokenSet } from './tokenizer';

const msg = (subject: string, body: string): TokenSet =>
  tokenize(parseMessageSync(Buffer.from(`Subject: ${subject}\r\n\r\n${body}\r\n`)));
const SPAM = [
  msg('cheap pills', 'buy cheap viagra pills online now discount pharmacy'),
  msg('win money', 'you won lottery money claim prize now click'),
  msg('discount offer', 'limited offer discount pills money back guarantee'),
];
const HAM = [
  msg('meeting notes', 'the project meeting moved to tuesday please review notes'),
  msg('lunch', 'shall we have lunch tuesday near the office'),
  msg('review', 'please review the attached project plan before the meeting'),
];

async function trained(): Promise<{ store: MemoryBayesStore; model: BayesClassifier }> {
  const store = new MemoryBayesStore();
  const model = new BayesClassifier(store);
  const now = new Date('2026-01-01T00:00:00Z');
  for (const [i, t] of SPAM.entries()) await model.learn(null, `s${i}`, t, 'spam', now);
  for (const [i, t] of HAM.entries()) await model.learn(null, `h${i}`, t, 'ham', now);
  return { store, model };
}

function snapshot(store: MemoryBayesStore, scope: string, tokens: TokenSet): string {
  const v = store.lookupSync(scope, tokens.ids);
  return JSON.stringify([v.totals, [...v.spam], [...v.ham]]);
}

describe('BayesClassifier', () => {
  it('separates trained classes and explains itself', async () => {
    const { model } = await trained();
    const spammy = await model.classify(msg('cheap discount', 'cheap pills money now'));
    const hammy = await model.classify(msg('project meeting', 'review the meeting notes tuesday'));
    expect(spammy.score).toBeGreaterThan(0.9);
    expect(hammy.score).toBeLessThan(0.1);
    expect(spammy.spammiest.map((t) => t.token)).toContain('pills');
    expect(hammy.hammiest.map((t) => t.token)).toContain('meeting');
    expect(spammy.logit).toBeCloseTo(Math.log(spammy.score / (1 - spammy.score)), 6);
  });

  it('treats learning the same message twice as a no-op', async () => {
    const { store, model } = await trained();
    const probe = msg('cheap meeting', 'cheap pills meeting review');
    const before = snapshot(store, GLOBAL_SCOPE, probe);
    expect(await model.learn(null, 's0', SPAM[0] as TokenSet, 'spam')).toBe('unchanged');
    expect(snapshot(store, GLOBAL_SCOPE, probe)).toBe(before);
  });

  it('moves counts on a correction instead of doubling them, exactly', async () => {
    const { store, model } = await trained();
    const probe = tokenize(
      parseMessageSync(Buffer.from('Subject: x\r\n\r\ncheap pills tuesday meeting lottery\r\n')),
    );
    const extra = msg('odd one', 'cheap meeting tuesday lottery');
    const base = snapshot(store, GLOBAL_SCOPE, probe);
    expect(await model.learn(null, 'x', extra, 'ham')).toBe('learned');
    const asHam = snapshot(store, GLOBAL_SCOPE, probe);
    expect(await model.learn(null, 'x', extra, 'spam')).toBe('corrected');
    expect(await model.learn(null, 'x', extra, 'ham')).toBe('corrected');
    expect(snapshot(store, GLOBAL_SCOPE, probe)).toBe(asHam);
    const totals = await store.totals(GLOBAL_SCOPE);
    expect(totals).toEqual({ spam: 3, ham: 4 });
    expect(await model.unlearn(null, 'x')).toBe('unlearned');
    expect(snapshot(store, GLOBAL_SCOPE, probe)).toBe(base);
    expect(await model.unlearn(null, 'x')).toBe('absent');
  });

  it('unlearning everything restores the empty model', async () => {
    const { store, model } = await trained();
    for (let i = 0; i < 3; i++) {
      await model.unlearn(null, `s${i}`);
      await model.unlearn(null, `h${i}`);
    }
    expect(await store.totals(GLOBAL_SCOPE)).toEqual({ spam: 0, ham: 0 });
    expect(store.tokenCount(GLOBAL_SCOPE)).toBe(0);
    expect(store.scopeCount()).toBe(0);
    const v = await model.classify(SPAM[0] as TokenSet);
    expect(v.score).toBe(0.5);
    expect(v.tokensUsed).toBe(0);
  });

  it('blends per-user training: new users get the global verdict, a few marks move only that user', async () => {
    const { store, model } = await trained();
    const newsletter = msg('weekly newsletter', 'our weekly newsletter with garden tips and recipes');
    const global = await model.classify(newsletter, null);
    const alice0 = await model.classify(newsletter, 'alice');
    expect(alice0.score).toBe(global.score);
    expect(alice0.logit).toBe(global.logit);
    expect(store.scopeCount()).toBe(1); // untrained users cost nothing

    await model.learn('alice', 'n1', msg('weekly newsletter', 'weekly newsletter garden tips'), 'spam');
    await model.learn('alice', 'n2', msg('newsletter special', 'newsletter recipes and garden'), 'spam');
    const alice = await model.classify(newsletter, 'alice');
    const bob = await model.classify(newsletter, 'bob');
    expect(alice.score).toBeGreaterThan(0.9);
    expect(alice.userTrained).toEqual({ spam: 2, ham: 0 });
    expect(bob.score).toBe(global.score);
    expect((await model.classify(newsletter, null)).score).toBe(global.score);
    expect(store.tokenCount(userScope('bob'))).toBe(0);
  });

  it("a user's background: after one spam mark its telling words turn spammy, everyday words do not", async () => {
    const store = new MemoryBayesStore();
    const plain = new BayesClassifier(store, { ...DEFAULT_BAYES, userPrior: 0 });
    const background = new BayesClassifier(store, { ...DEFAULT_BAYES, userPrior: 3 });
    // A global layer in which "the", "please" and "thanks" are everyday words of ham (and of some spam).
    for (let i = 0; i < 30; i++) {
      await plain.learn(null, `h${i}`, msg(`note ${i}`, `the report please thanks team${i}`), 'ham');
      await plain.learn(null, `s${i}`, msg(`deal ${i}`, `the offer${i} click`), 'spam');
    }
    await plain.learn('u', 'm1', msg('your prize', 'the lottery prize please claim thanks'), 'spam');
    const unrelated = msg('weekly report', 'the report please thanks');
    const similar = msg('prize again', 'claim the lottery prize');
    // Without a background every word of the one spam mark is spam to this user: everyday ham is no longer ham.
    expect((await plain.classify(unrelated, null)).score).toBeLessThan(0.01);
    expect((await plain.classify(unrelated, 'u')).score).toBeGreaterThan(0.4);
    // With it, everyday ham stays ham for this user, and the next similar message is spam.
    expect((await background.classify(unrelated, 'u')).score).toBeLessThan(0.01);
    expect((await background.classify(similar, 'u')).score).toBeGreaterThan(0.9);
  });

  it('weighs the global layer by its floor: gated or ramped below it, full at it; a user speaks regardless', async () => {
    const store = new MemoryBayesStore();
    const seed = new BayesClassifier(store);
    for (const [i, t] of SPAM.entries()) await seed.learn(null, `s${i}`, t, 'spam');
    for (const [i, t] of HAM.entries()) await seed.learn(null, `h${i}`, t, 'ham');
    const spammy = msg('cheap discount', 'cheap pills money now');
    const gated = new BayesClassifier(store, { ...DEFAULT_BAYES, globalFloor: 6, globalRamp: false });
    const ramped = new BayesClassifier(store, { ...DEFAULT_BAYES, globalFloor: 6, globalRamp: true });
    const full = new BayesClassifier(store, { ...DEFAULT_BAYES, globalFloor: 3 });
    expect(await gated.classify(spammy)).toMatchObject({ score: 0.5, tokensUsed: 0, globalWeight: 0 });
    const r = await ramped.classify(spammy);
    expect(r.globalWeight).toBe(0.5);
    const f = await full.classify(spammy);
    expect(f.globalWeight).toBe(1);
    expect(r.score).toBeGreaterThan(0.5);
    expect(r.logit).toBeLessThan(f.logit);
    await seed.learn('u', 'm', msg('cheap again', 'cheap pills money'), 'spam');
    expect((await gated.classify(spammy, 'u')).score).toBeGreaterThan(0.9);
  });

  it('a starter model is the prior of the provider counts: it speaks for an empty global layer, provider evidence wins', async () => {
    const starterStore = new MemoryBayesStore();
    const starterSource = new BayesClassifier(starterStore);
    const examples = [
      ...SPAM.map((t) => ({ t, label: 'spam' as const })),
      ...HAM.map((t) => ({ t, label: 'ham' as const })),
    ];
    for (const [i, e] of examples.entries()) await starterSource.learn(null, `x${i}`, e.t, e.label);
    const starter = buildStarterModel(
      examples.map((e) => ({ tokens: e.t.ids, features: new Uint32Array(0), label: e.label })),
      { source: 'test', minCount: 1, logistic: null },
    );
    const provider = new MemoryBayesStore();
    const model = new BayesClassifier(provider, { ...DEFAULT_BAYES, globalFloor: 200, starterStrength: 1 });
    const pills = msg('pills', 'cheap pills');
    expect((await model.classify(pills)).score).toBe(0.5);
    model.useStarter(starter);
    const before = await model.classify(pills);
    expect(before.globalWeight).toBe(1);
    expect(before.score).toBeGreaterThan(0.9);
    // The provider's users say otherwise, often enough: their counts outweigh the starter's view.
    for (let i = 0; i < 5; i++)
      await model.learn(null, `p${i}`, msg(`pharmacy ${i}`, 'cheap pills from our own pharmacy'), 'ham');
    await model.learn(null, 'q', msg('spam', 'lottery money now'), 'spam');
    expect((await model.classify(pills)).score).toBeLessThan(0.5);
  });

  it('prunes rare stale tokens only', async () => {
    const { store, model } = await trained();
    const later = new Date('2026-03-01T00:00:00Z');
    await model.learn(null, 'fresh', msg('fresh', 'brandnewword cheap'), 'spam', later);
    const before = store.tokenCount(GLOBAL_SCOPE);
    const removed = await model.prune(null, new Date('2026-02-01T00:00:00Z'), 1);
    expect(removed).toBeGreaterThan(0);
    expect(store.tokenCount(GLOBAL_SCOPE)).toBe(before - removed);
    const v = store.lookupSync(GLOBAL_SCOPE, msg('x', 'brandnewword cheap pills lottery').ids);
    // brandnewword (fresh) and cheap (seen twice before, and again later) survive; lottery (seen once, stale) is gone
    const names = msg('x', 'brandnewword cheap pills lottery').names;
    const count = (w: string): number =>
      (v.spam[names.indexOf(w)] as number) + (v.ham[names.indexOf(w)] as number);
    expect(count('brandnewword')).toBe(1);
    expect(count('cheap')).toBe(2);
    expect(count('lottery')).toBe(0);
  });

  it('bounds bad input: empty and million-token messages', async () => {
    const { model } = await trained();
    const empty = tokenize(parseMessageSync(Buffer.alloc(0)));
    expect((await model.classify(empty)).score).toBeGreaterThanOrEqual(0);
    const huge = Buffer.from(
      'Subject: big\r\n\r\n' + Array.from({ length: 1_000_000 }, (_, i) => `w${i % 50_000}x`).join(' '),
    );
    // The bound is on the work (tokens capped at maxWords); its time is a figure of `npm run -s bench -- bounds`.
    const tokens = tokenize(parseMessageSync(huge, { ...DEFAULT_PARSE_LIMITS, maxBytes: 16 * 1024 * 1024 }));
    const v = await model.classify(tokens);
    expect(tokens.ids.length).toBeLessThanOrEqual(DEFAULT_TOKENIZER.maxWords + 20);
    expect(v.score).toBeGreaterThanOrEqual(0);
    expect(v.score).toBeLessThanOrEqual(1);
  });
});
