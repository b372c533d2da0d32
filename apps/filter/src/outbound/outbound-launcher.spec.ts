import type { SymbolHit } from '@spamfilter/domain';
import type { FilterDependencies } from '../services/filter-services';
import { withOutbound } from './outbound-launcher';

describe('withOutbound', () => {
  it('keeps the existing extensions and checks and adds the outbound ones', () => {
    const calls: string[] = [];
    const existing: FilterDependencies = {
      extraChecks: [{ name: 'bayes', symbols: [], tempfail: 'BAYES_TEMPFAIL', run: async () => [] }],
      extensions: {
        onVerdict: () => void calls.push('events'),
        forcedAction: () => 'greylist',
        headers: () => [['X-A', '1']],
        training: () => ({ tokens: [] }),
      },
    };
    const merged = withOutbound(existing, {
      filterDependencies: {
        extraChecks: [
          { name: 'outbound-rate', symbols: [], tempfail: 'OUTBOUND_RATE_TEMPFAIL', run: async () => [] },
        ],
        extensions: {
          onVerdict: () => void calls.push('outbound'),
          forcedAction: (hits: readonly SymbolHit[]) =>
            hits.some((h) => h.name === 'OUTBOUND_ACCOUNT_BLOCKED') ? 'block' : null,
          headers: () => [['X-Spam-Outbound-Pool', 'risky']],
        },
        modules: [],
      },
    });
    expect(merged.extraChecks?.map((c) => c.name)).toEqual(['bayes', 'outbound-rate']);
    const env = {
      clientIp: '1',
      helo: 'h',
      mailFrom: '',
      rcptTo: ['a@b.example'],
      direction: 'outbound' as const,
    };
    merged.extensions?.onVerdict?.({} as never, env, {} as never);
    expect(calls).toEqual(['events', 'outbound']);
    expect(merged.extensions?.forcedAction?.([{ name: 'OUTBOUND_ACCOUNT_BLOCKED' }], env)).toBe('block');
    expect(merged.extensions?.forcedAction?.([], env)).toBe('greylist');
    expect(merged.extensions?.headers?.({ action: 'accept', score: 1 }, env)).toEqual([
      ['X-A', '1'],
      ['X-Spam-Outbound-Pool', 'risky'],
    ]);
    expect(merged.extensions?.training).toBe(existing.extensions?.training);
  });
});
