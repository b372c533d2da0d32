import type { CorpusEntry } from '../lib/corpus';
import { ENRON_USERS, parseCompareArgs, sampleEntries } from './bench';

describe('parseCompareArgs', () => {
  it('has the harness defaults and reads every option', () => {
    expect(parseCompareArgs(['--corpus', 'c'])).toMatchObject({
      split: 0.6,
      splitOrder: 'random',
      seed: 1,
      headers: 'neutral',
      user: null,
      sample: null,
      systems: ['ours', 'sa', 'rspamd'],
    });
    expect(
      parseCompareArgs([
        '--corpus',
        'c',
        '--split',
        '0.5',
        '--split-order',
        'time',
        '--headers',
        'all',
        '--user',
        'beck-s',
        '--sample',
        '100',
        '--systems',
        'sa',
        '--json',
      ]),
    ).toMatchObject({
      split: 0.5,
      splitOrder: 'time',
      headers: 'all',
      user: 'beck-s',
      sample: 100,
      systems: ['sa'],
      json: true,
    });
  });

  it('refuses what it cannot run', () => {
    expect(() => parseCompareArgs([])).toThrow('--corpus DIR is required');
    expect(() => parseCompareArgs(['--corpus', 'c', '--user', 'skilling-j'])).toThrow('--user: one of');
    expect(() => parseCompareArgs(['--corpus', 'c', '--systems', 'dspam'])).toThrow('unknown dspam');
    expect(() => parseCompareArgs(['--corpus', 'c', '--split', '1'])).toThrow('0 < F < 1');
    expect(() => parseCompareArgs(['--corpus', 'c', '--sample', '0'])).toThrow('positive integer');
  });

  it('pairs each Enron mailbox with the spam of the paper', () => {
    expect(ENRON_USERS).toEqual({
      'farmer-d': 'GP',
      'kaminski-v': 'SH',
      'kitchen-l': 'BG',
      'williams-w3': 'GP',
      'beck-s': 'SH',
      'lokay-m': 'BG',
    });
  });
});

describe('sampleEntries', () => {
  const entries: CorpusEntry[] = Array.from({ length: 50 }, (_, i) => ({
    label: i < 10 ? 'spam' : 'ham',
    path: `p${i}`,
    order: i,
  }));

  it('keeps at most N of each class, in index order, the same for the same seed', () => {
    const s = sampleEntries(entries, 4, 1);
    expect(s.filter((e) => e.label === 'spam')).toHaveLength(4);
    expect(s.filter((e) => e.label === 'ham')).toHaveLength(4);
    expect(s.map((e) => e.order)).toEqual([...s.map((e) => e.order)].sort((a, b) => a - b));
    expect(sampleEntries(entries, 4, 1)).toEqual(s);
    expect(sampleEntries(entries, 4, 2)).not.toEqual(s);
  });

  it('keeps a whole class that is smaller than N', () => {
    const s = sampleEntries(entries, 20, 1);
    expect(s.filter((e) => e.label === 'spam')).toHaveLength(10);
    expect(s.filter((e) => e.label === 'ham')).toHaveLength(20);
  });
});
