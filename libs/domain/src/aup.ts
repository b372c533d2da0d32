import { z } from 'zod';

/**
 * Acceptable-use-policy rules for outbound mail, as validated data (operators manage them through the API, the
 * filter applies them, the preview replays them over the message log). A rule matches when all its conditions do;
 * a match reports the symbol OUTBOUND_AUP with the rule's score as factor and its name as option, so the outbound
 * policy (hold / reject thresholds) decides the action, as for every other signal. Conditions look only at what
 * exists when the checks run (envelope and message, not the score), so the preview over the log and the live filter
 * judge alike; fields the log does not keep (body, links, attachments) make a logged message undecidable.
 */
export const AUP_TEXT_FIELDS = [
  'subject',
  'body',
  'sender',
  'recipient',
  'fromHeader',
  'authUser',
  'urlHost',
  'attachmentName',
  'clientIp',
] as const;
export type AupTextField = (typeof AUP_TEXT_FIELDS)[number];
export const AUP_TEXT_OPS = ['contains', 'equals', 'domain', 'regex'] as const;
export type AupTextOp = (typeof AUP_TEXT_OPS)[number];
export const AUP_NUMBER_FIELDS = ['recipientCount', 'size'] as const;
export type AupNumberField = (typeof AUP_NUMBER_FIELDS)[number];

export type AupCondition =
  | { readonly field: AupTextField; readonly op: AupTextOp; readonly value: string }
  | { readonly field: AupNumberField; readonly op: 'gte'; readonly value: number };

export interface AupRuleSpec {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  /** Points added to the outbound score when the rule matches (the factor of OUTBOUND_AUP, weight 1). */
  readonly score: number;
  readonly conditions: readonly AupCondition[];
}

export interface AupRule extends AupRuleSpec {
  readonly id: string;
}

/** What a rule is matched against. A field left undefined is unknown (the message log keeps no body, for one). */
export interface AupSubject {
  readonly sender: string;
  readonly authUser?: string;
  readonly recipients: readonly string[];
  readonly clientIp?: string;
  readonly subject?: string | null;
  readonly fromHeader?: string;
  readonly body?: string;
  readonly urlHosts?: readonly string[];
  readonly attachmentNames?: readonly string[];
  readonly size?: number;
}

const MAX_REGEX = 200;
/** A quantified group that itself contains a quantifier ((a+)+, (x*)*, (a|aa){2,}): catastrophic backtracking. */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]/;

/** Why a pattern is refused, or null when it is safe to run on every outbound message. */
export function regexProblem(pattern: string): string | null {
  if (pattern.length > MAX_REGEX) return `is longer than ${MAX_REGEX} characters`;
  if (NESTED_QUANTIFIER.test(pattern))
    return 'nests a quantifier inside a quantified group (catastrophic backtracking)';
  if (/\\[1-9]/.test(pattern)) return 'uses a back-reference';
  try {
    new RegExp(pattern, 'iu');
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message}`;
  }
  return null;
}

const textCondition = z
  .object({
    field: z.enum(AUP_TEXT_FIELDS),
    op: z.enum(AUP_TEXT_OPS),
    value: z.string().trim().min(1, 'must not be empty').max(MAX_REGEX),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.op === 'regex') {
      const problem = regexProblem(c.value);
      if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: `regex ${problem}` });
    }
    if (c.op === 'domain' && !/^[a-z0-9.-]+\.[a-z0-9-]+$/i.test(c.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a domain name such as example.com' });
    }
  });
const numberCondition = z
  .object({ field: z.enum(AUP_NUMBER_FIELDS), op: z.literal('gte'), value: z.number().min(-1000).max(1e9) })
  .strict();

export const aupRuleSpecSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(80)
      .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'letters, digits, space, _ . - only'),
    description: z.string().max(500).default(''),
    enabled: z.boolean().default(true),
    score: z.number().min(-100).max(100),
    conditions: z
      .array(z.union([numberCondition, textCondition]))
      .min(1, 'a rule needs at least one condition')
      .max(10, 'at most 10 conditions'),
  })
  .strict();

export type AupParseResult =
  | { readonly ok: true; readonly spec: AupRuleSpec }
  | { readonly ok: false; readonly issues: readonly string[] };

/** Validates an operator's rule; every problem is reported at once, with its path. */
export function parseAupRuleSpec(input: unknown): AupParseResult {
  const r = aupRuleSpecSchema.safeParse(input);
  if (r.success) return { ok: true, spec: r.data as AupRuleSpec };
  return {
    ok: false,
    issues: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(rule)'}: ${i.message}`),
  };
}

export type AupMatch = 'match' | 'no-match' | 'unknown';

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return (at < 0 ? address : address.slice(at + 1)).toLowerCase();
}

/** Bodies are long: rules look at the first 100,000 characters, which bounds the cost of a regex per message. */
const MAX_SCAN_CHARS = 100_000;

function textValues(field: AupTextField, s: AupSubject): readonly string[] | undefined {
  switch (field) {
    case 'subject':
      return s.subject === undefined ? undefined : s.subject === null ? [] : [s.subject];
    case 'body':
      return s.body === undefined ? undefined : [s.body.slice(0, MAX_SCAN_CHARS)];
    case 'sender':
      return [s.sender];
    case 'recipient':
      return s.recipients;
    case 'fromHeader':
      return s.fromHeader === undefined ? undefined : [s.fromHeader];
    case 'authUser':
      return s.authUser === undefined ? undefined : [s.authUser];
    case 'urlHost':
      return s.urlHosts;
    case 'attachmentName':
      return s.attachmentNames;
    case 'clientIp':
      return s.clientIp === undefined ? undefined : [s.clientIp];
  }
}

function matchText(op: AupTextOp, value: string, pattern: string, compiled: RegExp | null): boolean {
  switch (op) {
    case 'contains':
      return value.toLowerCase().includes(pattern.toLowerCase());
    case 'equals':
      return value.toLowerCase() === pattern.toLowerCase();
    case 'domain': {
      const d = domainOf(value);
      const p = pattern.toLowerCase();
      return d === p || d.endsWith(`.${p}`);
    }
    case 'regex':
      return compiled !== null && compiled.test(value);
  }
}

function matchCondition(c: AupCondition, s: AupSubject, compiled: RegExp | null): AupMatch {
  if (c.field === 'recipientCount' || c.field === 'size') {
    const n = c.field === 'recipientCount' ? s.recipients.length : s.size;
    if (n === undefined) return 'unknown';
    return n >= c.value ? 'match' : 'no-match';
  }
  const t = c as Extract<AupCondition, { readonly op: AupTextOp }>;
  const values = textValues(t.field, s);
  if (values === undefined) return 'unknown';
  return values.some((v) => matchText(t.op, v, t.value, compiled)) ? 'match' : 'no-match';
}

/** A rule prepared for matching many messages (its regexes compiled once). */
export class AupMatcher {
  private readonly compiled: (RegExp | null)[];

  constructor(readonly rule: AupRule) {
    this.compiled = rule.conditions.map((c) => (c.op === 'regex' ? new RegExp(c.value, 'iu') : null));
  }

  /** All conditions must match; any definite no-match decides; otherwise an unknown field leaves it unknown. */
  match(subject: AupSubject): AupMatch {
    let unknown = false;
    for (let i = 0; i < this.rule.conditions.length; i++) {
      const r = matchCondition(this.rule.conditions[i], subject, this.compiled[i]);
      if (r === 'no-match') return 'no-match';
      if (r === 'unknown') unknown = true;
    }
    return unknown ? 'unknown' : 'match';
  }
}

export interface AupPreviewItem {
  readonly reference: string;
  readonly subject: AupSubject;
}

export interface AupPreview {
  readonly examined: number;
  readonly matched: number;
  /** Messages the rule could not be decided on from the log (it needs the body, say). */
  readonly undecidable: number;
  /** Up to `sampleSize` references of matched messages, newest first as given. */
  readonly sample: readonly string[];
}

/** What a rule would have caught among logged messages, before it goes live. */
export function previewAupRule(rule: AupRule, items: Iterable<AupPreviewItem>, sampleSize = 20): AupPreview {
  const m = new AupMatcher(rule);
  let examined = 0;
  let matched = 0;
  let undecidable = 0;
  const sample: string[] = [];
  for (const item of items) {
    examined++;
    const r = m.match(item.subject);
    if (r === 'match') {
      matched++;
      if (sample.length < sampleSize) sample.push(item.reference);
    } else if (r === 'unknown') undecidable++;
  }
  return { examined, matched, undecidable, sample };
}
