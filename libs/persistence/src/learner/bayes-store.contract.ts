import { MemoryBayesStore, type BayesStore } from '@spamfilter/bayes';

/**
 * The behaviour every BayesStore must share with libs/bayes' MemoryBayesStore (the reference): the same outcomes and
 * the same views after learn, repeat, correction and unlearn, for scopes and tokens including ids ≥ 2^31.
 * Returns a list of mismatches (empty when the store behaves).
 */
export async function bayesStoreMismatches(store: BayesStore): Promise<string[]> {
  const ref = new MemoryBayesStore();
  const now = new Date('2026-11-22T12:00:00Z');
  const a = Uint32Array.from([1, 2, 3, 0xfffffff0, 0x80000000]);
  const b = Uint32Array.from([3, 4, 5]);
  const probe = Uint32Array.from([1, 2, 3, 4, 5, 6, 0xfffffff0, 0x80000000, 3]);
  const steps: [string, string, Uint32Array, 'spam' | 'ham' | null][] = [
    ['global', 'm1', a, 'spam'],
    ['global', 'm1', a, 'spam'],
    ['global', 'm2', b, 'ham'],
    ['user:u1', 'm1', a, 'spam'],
    ['user:u1', 'm1', a, 'ham'],
    ['global', 'm2', b, 'spam'],
    ['global', 'm1', a, null],
    ['global', 'm9', a, null],
    ['user:u1', 'm1', a, null],
  ];
  const out: string[] = [];
  for (const [i, [scope, fp, tokens, label]] of steps.entries()) {
    const want = await ref.train(scope, fp, tokens, label, now);
    const got = await store.train(scope, fp, tokens, label, now);
    if (want !== got) out.push(`step ${i}: outcome ${got}, expected ${want}`);
    const w = await ref.lookup(['global', 'user:u1'], probe);
    const g = await store.lookup(['global', 'user:u1'], probe);
    const norm = (v: typeof w) =>
      JSON.stringify(v.map((x) => ({ totals: x.totals, spam: Array.from(x.spam), ham: Array.from(x.ham) })));
    if (norm(w) !== norm(g)) out.push(`step ${i}: view ${norm(g)}, expected ${norm(w)}`);
    if ((await ref.trainedLabel(scope, fp)) !== (await store.trainedLabel(scope, fp)))
      out.push(`step ${i}: trainedLabel differs`);
  }
  return out;
}
