import {
  AupMatcher,
  parseAupRuleSpec,
  previewAupRule,
  regexProblem,
  type AupRule,
  type AupSubject,
} from './aup';

function rule(input: unknown): AupRule {
  const r = parseAupRuleSpec(input);
  if (!r.ok) throw new Error(r.issues.join('; '));
  return { id: 'r1', ...r.spec };
}

const msg: AupSubject = {
  sender: 'shop@shop.example',
  authUser: 'shop@shop.example',
  recipients: ['a@gmail.example', 'b@mail.other.example'],
  subject: 'Cheap MEDS online',
  body: 'Buy now at http://pills.example',
  urlHosts: ['pills.example'],
  size: 2048,
};

describe('AUP rule validation', () => {
  it('accepts a rule and fills defaults', () => {
    const r = parseAupRuleSpec({
      name: 'pharma',
      score: 8,
      conditions: [{ field: 'subject', op: 'contains', value: 'meds' }],
    });
    expect(r).toEqual({
      ok: true,
      spec: {
        name: 'pharma',
        description: '',
        enabled: true,
        score: 8,
        conditions: [{ field: 'subject', op: 'contains', value: 'meds' }],
      },
    });
  });

  it('reports every problem with its path', () => {
    const r = parseAupRuleSpec({
      name: '',
      score: 1000,
      conditions: [
        { field: 'body', op: 'regex', value: '(a+)+$' },
        { field: 'size', op: 'gte', value: 'big' },
        { field: 'sender', op: 'domain', value: 'not a domain' },
      ],
      extra: true,
    });
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues;
    expect(issues.some((i) => i.startsWith('name:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('score:'))).toBe(true);
    expect(issues.some((i) => i.includes('conditions.0') && i.includes('catastrophic backtracking'))).toBe(
      true,
    );
    expect(issues.some((i) => i.includes('conditions.1'))).toBe(true);
    expect(issues.some((i) => i.includes('conditions.2') && i.includes('domain name'))).toBe(true);
    expect(issues.some((i) => i.includes('extra'))).toBe(true);
  });

  it('refuses a rule without conditions', () => {
    expect(parseAupRuleSpec({ name: 'x', score: 1, conditions: [] })).toEqual({
      ok: false,
      issues: ['conditions: a rule needs at least one condition'],
    });
  });

  it('finds unsafe or broken regular expressions', () => {
    expect(regexProblem('cheap\\s+meds')).toBeNull();
    expect(regexProblem('(x*)*y')).toMatch(/backtracking/);
    expect(regexProblem('(a)\\1')).toMatch(/back-reference/);
    expect(regexProblem('([a-z')).toMatch(/not a valid/);
    expect(regexProblem('a'.repeat(201))).toMatch(/longer/);
  });
});

describe('AupMatcher', () => {
  it('matches when every condition matches', () => {
    const r = rule({
      name: 'pharma',
      score: 8,
      conditions: [
        { field: 'subject', op: 'regex', value: 'cheap\\s+meds' },
        { field: 'urlHost', op: 'domain', value: 'pills.example' },
        { field: 'recipientCount', op: 'gte', value: 2 },
      ],
    });
    expect(new AupMatcher(r).match(msg)).toBe('match');
    expect(new AupMatcher(r).match({ ...msg, recipients: ['one@x.example'] })).toBe('no-match');
  });

  it('matches domains and their subdomains, not look-alikes', () => {
    const m = new AupMatcher(
      rule({
        name: 'd',
        score: 1,
        conditions: [{ field: 'recipient', op: 'domain', value: 'other.example' }],
      }),
    );
    expect(m.match(msg)).toBe('match');
    expect(m.match({ ...msg, recipients: ['x@notother.example'] })).toBe('no-match');
  });

  it('is unknown when a field is missing (the log keeps no body) unless another condition rules it out', () => {
    const r = rule({
      name: 'b',
      score: 1,
      conditions: [
        { field: 'body', op: 'contains', value: 'buy now' },
        { field: 'sender', op: 'equals', value: 'SHOP@shop.example' },
      ],
    });
    const noBody = { ...msg, body: undefined };
    expect(new AupMatcher(r).match(msg)).toBe('match');
    expect(new AupMatcher(r).match(noBody)).toBe('unknown');
    expect(new AupMatcher(r).match({ ...noBody, sender: 'other@x.example' })).toBe('no-match');
  });

  it('matches size limits at exactly the limit', () => {
    const r = rule({ name: 's', score: 1, conditions: [{ field: 'size', op: 'gte', value: 2048 }] });
    expect(new AupMatcher(r).match(msg)).toBe('match');
    expect(new AupMatcher(r).match({ ...msg, size: 2047 })).toBe('no-match');
    expect(new AupMatcher(r).match({ ...msg, size: undefined })).toBe('unknown');
  });
});

describe('previewAupRule', () => {
  it('counts matches, undecidable messages and samples references', () => {
    const r = rule({
      name: 'p',
      score: 5,
      conditions: [{ field: 'subject', op: 'contains', value: 'meds' }],
    });
    const items = [
      { reference: 'A', subject: msg },
      { reference: 'B', subject: { ...msg, subject: 'Invoice' } },
      { reference: 'C', subject: { ...msg, subject: undefined } },
      { reference: 'D', subject: { ...msg, subject: 'more meds' } },
    ];
    expect(previewAupRule(r, items)).toEqual({ examined: 4, matched: 2, undecidable: 1, sample: ['A', 'D'] });
    expect(previewAupRule(r, items, 1).sample).toEqual(['A']);
  });
});
