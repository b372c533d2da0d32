import { emptyCondition, fromSpec, opsFor, toSpec, withField } from './aup';
import { countAxis, niceMax, shortNumber, stack, ticks, total } from './chart';
import {
  actionLabel,
  actionTone,
  addressOf,
  dayToIso,
  formatCount,
  formatMs,
  formatPoints,
  formatScore,
  formatTime,
} from './format';
import { fromQuery, toQuery } from './query';
import { bySignificance, leaning, plainWords } from './symbols';

describe('format', () => {
  it('shows times in UTC, scores with two decimals and signed points', () => {
    expect(formatTime('2026-12-01T09:05:00.000Z')).toBe('01 Dec 2026, 09:05 UTC');
    expect(formatTime(null)).toBe('—');
    expect(formatTime('not a time')).toBe('—');
    expect(formatScore(6.456)).toBe('6.46');
    expect(formatPoints(2.5)).toBe('+2.5 points');
    expect(formatPoints(-1)).toBe('−1 point');
    expect(formatMs(42)).toBe('42 ms');
    expect(formatMs(1500)).toBe('1.5 s');
    expect(formatMs(null)).toBe('—');
    expect(formatCount(15212)).toBe('15,212');
  });

  it('names actions in plain words and gives each a tone', () => {
    expect(actionLabel('tag')).toBe('Junk (tagged as spam)');
    expect(actionLabel('reject')).toBe('Refused');
    expect(actionLabel('mystery')).toBe('mystery');
    expect([actionTone('accept'), actionTone('tag'), actionTone('reject'), actionTone('x')]).toEqual([
      'good',
      'warn',
      'bad',
      'neutral',
    ]);
  });

  it('finds the bare address in a From value', () => {
    expect(addressOf('Shop <News@Shop.example>')).toBe('news@shop.example');
    expect(addressOf('bob@x.example')).toBe('bob@x.example');
    expect(addressOf('"a@b" <c@d.example>')).toBe('c@d.example');
    expect(addressOf('Just a name')).toBeNull();
    expect(addressOf(null)).toBeNull();
  });

  it('turns a date input into a UTC day range', () => {
    expect(dayToIso('2026-12-01')).toBe('2026-12-01T00:00:00.000Z');
    expect(dayToIso('2026-12-01', true)).toBe('2026-12-02T00:00:00.000Z');
    expect(dayToIso('')).toBeUndefined();
    expect(dayToIso('2026-13-45')).toBeUndefined();
  });
});

describe('query', () => {
  it('leaves empty values out and round-trips', () => {
    expect(toQuery({ sender: ' bob@x.example ', subject: '', limit: 50, x: undefined, y: null })).toBe(
      '?sender=bob%40x.example&limit=50',
    );
    expect(toQuery({ a: '' })).toBe('');
    expect(fromQuery('?sender=bob%40x.example&limit=50', ['sender', 'subject'])).toEqual({
      sender: 'bob@x.example',
      subject: '',
    });
  });
});

describe('chart', () => {
  it('rounds axis maxima up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.3, 1, 7, 13, 24, 180, 999].map(niceMax)).toEqual([1, 0.5, 1, 10, 20, 25, 200, 1000]);
    expect(ticks(20, 4)).toEqual([0, 5, 10, 15, 20]);
    // counts get whole-number ticks
    for (const m of [0, 3, 7, 13, 24, 180, 999]) {
      const a = countAxis(m);
      expect(a.max).toBeGreaterThanOrEqual(Math.max(4, m));
      expect(ticks(a.max, a.steps).every(Number.isInteger)).toBe(true);
    }
    expect(shortNumber(1200)).toBe('1.2k');
    expect(shortNumber(2_500_000)).toBe('2.5M');
  });

  it('stacks values in key order, leaving zeros out', () => {
    const v = { accept: 5, tag: 0, reject: 2 };
    expect(stack(v, ['accept', 'tag', 'reject'])).toEqual([
      { key: 'accept', from: 0, to: 5 },
      { key: 'reject', from: 5, to: 7 },
    ]);
    expect(total(v, ['accept', 'tag', 'reject'])).toBe(7);
  });
});

describe('symbols in plain words', () => {
  it("explains known symbols with their options, and falls back to the check's description without RFC notes", () => {
    expect(plainWords({ name: 'BAYES_SPAM', score: 7, options: ['97.1%'] })).toBe(
      'It resembles mail you and others marked as spam (97.1% likely spam).',
    );
    expect(plainWords({ name: 'USER_BLOCK', score: 100 })).toBe('The sender is on your block list.');
    expect(
      plainWords({ name: 'IMPERSONATED_INSTITUTION', score: 3, options: ['PayPal → front.example'] }),
    ).toBe(
      "The sender's name is a bank or a well-known brand, but the mail comes from another domain (PayPal → front.example).",
    );
    expect(plainWords({ name: 'NEW_THING', score: 1, description: 'Something odd (RFC 1234 §5)' })).toBe(
      'Something odd.',
    );
    expect(plainWords({ name: 'DNSBL_TEMPFAIL', score: 0 })).toMatch(/could not run/);
    expect(plainWords({ name: 'BARE', score: 0 })).toBe('BARE');
  });

  it('orders symbols by how much they weighed and says which way', () => {
    const s = bySignificance([
      { name: 'A', score: 1 },
      { name: 'B', score: -3 },
      { name: 'C', score: 0 },
    ]);
    expect(s.map((x) => x.name)).toEqual(['B', 'A', 'C']);
    expect([leaning(2), leaning(-1), leaning(0)]).toEqual(['spam', 'ham', 'none']);
  });
});

describe('AUP rule form', () => {
  it('keeps operators valid for the field and converts numbers', () => {
    expect(opsFor('size')).toEqual(['gte']);
    expect(withField(emptyCondition(), 'recipientCount')).toEqual({
      field: 'recipientCount',
      op: 'gte',
      value: '',
    });
    expect(withField({ field: 'subject', op: 'regex', value: 'x' }, 'body').op).toBe('regex');
    const spec = toSpec({
      name: ' Bulk ',
      description: '',
      enabled: true,
      score: '5',
      conditions: [
        { field: 'recipientCount', op: 'gte', value: '50' },
        { field: 'subject', op: 'contains', value: 'winner' },
      ],
    });
    expect(spec).toEqual({
      name: 'Bulk',
      description: '',
      enabled: true,
      score: 5,
      conditions: [
        { field: 'recipientCount', op: 'gte', value: 50 },
        { field: 'subject', op: 'contains', value: 'winner' },
      ],
    });
    expect(fromSpec(spec as never).conditions[0]!.value).toBe('50');
  });
});
