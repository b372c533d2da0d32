import { DEFAULT_PARSE_LIMITS, parseMessageSync } from '@spamfilter/mail';
import { BayesClassifier } from './bayes-classifier';
import { GLOBAL_SCOPE, userScope } from './bayes-store';
import { MemoryBayesStore } from './memory-bayes.store';
import { DEFAULT_TOKENIZER, tokenize, type TokenSet } from './tokenizer';

const msg = (subject: string, body: string): TokenSet => tokenize(parseMessageSync(Buffer.from(`Subject: ${subject}\r\n\r\n${body}\r\n`)));
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
    const probe = tokenize(parseMessageSync(Buffer.from('Subject: x\r\n\r\ncheap pills tuesday meeting lottery\r\n')));
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
    const count = (w: string): number => (v.spam[names.indexOf(w)] as number) + (v.ham[names.indexOf(w)] as number);
    expect(count('brandnewword')).toBe(1);
    expect(count('cheap')).toBe(2);
    expect(count('lottery')).toBe(0);
  });

  it('bounds bad input: empty and million-token messages', async () => {
    const { model } = await trained();
    const empty = tokenize(parseMessageSync(Buffer.alloc(0)));
    expect((await model.classify(empty)).score).toBeGreaterThanOrEqual(0);
    const huge = Buffer.from('Subject: big\r\n\r\n' + Array.from({ length: 1_000_000 }, (_, i) => `w${i % 50_000}x`).join(' '));
    // The bound is on the work (tokens capped at maxWords); its time is a figure of `npm run -s bench -- bounds`.
    const tokens = tokenize(parseMessageSync(huge, { ...DEFAULT_PARSE_LIMITS, maxBytes: 16 * 1024 * 1024 }));
    const v = await model.classify(tokens);
    expect(tokens.ids.length).toBeLessThanOrEqual(DEFAULT_TOKENIZER.maxWords + 20);
    expect(v.score).toBeGreaterThanOrEqual(0);
    expect(v.score).toBeLessThanOrEqual(1);
  });
});
