import { SYMBOL_GROUPS, type Action, type Direction, type SymbolGroup } from '@spamfilter/domain';
import { z } from 'zod';

/**
 * The policy maps scores to actions and adjusts weights. It is layered data — shipped defaults ← operator (global)
 * ← domain ← user — merged, then validated as a whole; an invalid result is refused with every reason at once and
 * never half-applied (rspamd validates its merged configuration the same way before use).
 */
export interface Thresholds {
  /** Lower bound of the greylisting band (null: never greylist). Mail below it is clearly ham and not greylisted. */
  readonly greylist: number | null;
  /** At or above: deliver with X-Spam-* headers (Junk). */
  readonly tag: number;
  /** At or above: refuse with 550 5.7.1. Mail at or above it is clearly spam and not greylisted either. */
  readonly reject: number;
}

export interface GroupCap {
  readonly max?: number;
  readonly min?: number;
}

/**
 * What a forced-action rule does when its symbol hits (inbound):
 * - reject      refuse with 550 5.7.1, the rule's reason and the reference
 * - quarantine  kept in the recipient's quarantine (a tag as a verdict; the copy is stored, not delivered)
 * - tag         deliver tagged (Junk)
 * - off         nothing beyond the symbol's weight
 */
export const FORCED_ACTION_KINDS = ['reject', 'quarantine', 'tag', 'off'] as const;
export type ForcedActionKind = (typeof FORCED_ACTION_KINDS)[number];

/**
 * rspamd's force_actions as policy data: a symbol that decides the action whatever the score (GTUBE, a DMARC
 * failure of a domain that asks for reject), unless one of the `unless` symbols hit for that recipient — the local
 * overrides (their allow lists, a trusted ARC sealer). Layers merge rule by rule and field by field, so a domain
 * layer can turn `dmarc_reject` into `quarantine` for its recipients, or a user can choose `tag` over `quarantine`.
 */
export interface ForcedActionRule {
  /** The symbol that triggers the rule. */
  readonly symbol: string;
  readonly action: ForcedActionKind;
  /** Symbols that cancel the rule when they hit for the recipient. */
  readonly unless: readonly string[];
  /** Why, in a few words, for the explanation and the SMTP reply. */
  readonly reason: string;
}

export interface Policy {
  readonly thresholds: Thresholds;
  /** Weight overrides by symbol name; symbols not listed keep their declared default weight. */
  readonly weights: Readonly<Record<string, number>>;
  readonly groupCaps: Readonly<Partial<Record<SymbolGroup, GroupCap>>>;
  /** RFC 5321 §4.5.4.1: a legitimate sender retries; minDelaySeconds is how long a new triplet must wait. */
  readonly greylisting: {
    readonly enabled: boolean;
    readonly minDelaySeconds: number;
    /** How long an unconfirmed triplet is remembered. */
    readonly pendingTtlSeconds: number;
    /** How long a confirmed triplet stays whitelisted. */
    readonly passTtlSeconds: number;
  };
  readonly tagHeaders: {
    /** Prefix added to the Subject of tagged mail (e.g. "[SPAM]"), null: leave the Subject alone. */
    readonly subjectPrefix: string | null;
    /** Add X-Spam-Symbols with every symbol and its score. */
    readonly symbolsHeader: boolean;
  };
  /** Authenticated submission: no greylisting or tagging; hold for review, or refuse. */
  readonly outbound: { readonly hold: number; readonly reject: number };
  /** Forced actions by rule name (inbound only; outbound has its own hold, defer and block). */
  readonly forcedActions: Readonly<Record<string, ForcedActionRule>>;
  /**
   * How far a user may move their own thresholds (their sensitivity): set by the operator or the domain admin, so a
   * user can make their filter stricter or more relaxed, but not switch it off (tag 1000) or refuse everything.
   */
  readonly userBounds: { readonly tag: ScoreRange; readonly reject: ScoreRange };
  /**
   * Inbound, per recipient: where mail goes once the score has decided `tag` or `reject`. `tag` delivers it with the
   * spam headers (the mailbox files it in Junk) and `reject` refuses it (550) — the defaults; `quarantine` keeps the
   * copy in the quarantine instead (accepted with 250, listed for the recipient, released or deleted by them, bounded
   * by QUARANTINE_RETENTION_DAYS). Quarantine is a place, not a verdict: the action stays tag or reject.
   */
  readonly spamHandling: { readonly tag: 'tag' | 'quarantine'; readonly reject: 'reject' | 'quarantine' };
}

export interface ScoreRange {
  readonly min: number;
  readonly max: number;
}

type DeepPartial<T> = {
  readonly [K in keyof T]?: T[K] extends object
    ? T[K] extends readonly unknown[]
      ? T[K]
      : DeepPartial<T[K]>
    : T[K];
};
/** One layer as stored by an operator, a domain admin or a user: any subset of the policy. */
export type PolicyLayer = Omit<DeepPartial<Policy>, 'forcedActions'> & {
  readonly forcedActions?: Readonly<Record<string, Partial<ForcedActionRule>>>;
};

export interface PolicyLayerSource {
  /** Where the layer comes from, for error messages: "global", "domain example.com", "user bob@example.com". */
  readonly source: string;
  readonly layer: PolicyLayer;
}

export class PolicyError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid policy (${source}): ${issues.join('; ')}`);
    this.name = 'PolicyError';
  }
}

// zod 4's z.number() refuses Infinity and NaN itself (zod 3 needed .finite()), with the same issue as for a string:
// the input tells the two apart. A missing field keeps zod's own message (expected number, received undefined).
const score = z
  .number({
    // A schema's error applies to its checks' issues too in zod 4: only the type issue is reworded here.
    error: (issue) =>
      issue.code !== 'invalid_type' || issue.input === undefined
        ? undefined
        : typeof issue.input === 'number'
          ? 'must be a finite number'
          : 'must be a number',
  })
  .min(-1000)
  .max(1000);
const seconds = z
  .number()
  .int('must be whole seconds')
  .min(0)
  .max(365 * 24 * 3600);
const groupCap = z.object({ max: score.optional(), min: score.optional() }).strict();
const RULE_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const symbolName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be a symbol name (UPPER_SNAKE)');
const forcedRule = z
  .object({
    symbol: symbolName.optional(),
    action: z.enum(FORCED_ACTION_KINDS).optional(),
    unless: z.array(symbolName).max(20).optional(),
    reason: z
      .string()
      .min(1)
      .max(160)
      .regex(/^[^\r\n]*$/, 'must be one line')
      .optional(),
  })
  .strict();
const range = z.object({ min: score, max: score }).strict();

/** Schema of one layer: every field optional, unknown keys refused (a typo must not be silently ignored). */
export const policyLayerSchema = z
  .object({
    thresholds: z
      .object({ greylist: score.nullable().optional(), tag: score.optional(), reject: score.optional() })
      .strict()
      .optional(),
    weights: z.record(z.string(), score).optional(),
    // partialRecord: a layer caps some groups, not all (a z.record over an enum is exhaustive in zod 4). An unknown
    // group is an unrecognized key there; the message names the groups, as zod 3's enum message did.
    groupCaps: z
      .partialRecord(z.enum(SYMBOL_GROUPS), groupCap, {
        error: (issue) => {
          // Raised as code 'unrecognized_keys', which the record's params type (invalid_type, invalid_key) omits.
          const keys = (issue as { readonly keys?: readonly string[] }).keys;
          return keys
            ? `unknown group ${keys.map((k) => `"${k}"`).join(', ')} (groups: ${SYMBOL_GROUPS.join(', ')})`
            : undefined;
        },
      })
      .optional(),
    greylisting: z
      .object({
        enabled: z.boolean().optional(),
        minDelaySeconds: seconds.optional(),
        pendingTtlSeconds: seconds.optional(),
        passTtlSeconds: seconds.optional(),
      })
      .strict()
      .optional(),
    tagHeaders: z
      .object({
        subjectPrefix: z
          .string()
          .max(40)
          .regex(/^[^\r\n]*$/, 'must be one line')
          .nullable()
          .optional(),
        symbolsHeader: z.boolean().optional(),
      })
      .strict()
      .optional(),
    outbound: z.object({ hold: score.optional(), reject: score.optional() }).strict().optional(),
    // zod 4 reports a bad key as "Invalid key in record" with the key's own issue nested: surface that one.
    forcedActions: z
      .record(z.string().regex(RULE_NAME, 'rule names are lower_snake'), forcedRule, {
        error: (issue) => (issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined),
      })
      .optional(),
    userBounds: z.object({ tag: range.optional(), reject: range.optional() }).strict().optional(),
    spamHandling: z
      .object({
        tag: z.enum(['tag', 'quarantine'], { error: "must be 'tag' or 'quarantine'" }).optional(),
        reject: z.enum(['reject', 'quarantine'], { error: "must be 'reject' or 'quarantine'" }).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/** Validates a layer's shape and, given the known symbols, its symbol names. Use it on every API update. */
export function parsePolicyLayer(
  input: unknown,
  knownSymbols: ReadonlySet<string>,
  source = 'layer',
): { ok: true; layer: PolicyLayer } | { ok: false; error: PolicyError } {
  const parsed = policyLayerSchema.safeParse(input);
  const issues = parsed.success ? [] : formatIssues(parsed.error);
  if (parsed.success) {
    for (const name of Object.keys(parsed.data.weights ?? {})) {
      if (!knownSymbols.has(name)) issues.push(`weights.${name}: unknown symbol`);
    }
    for (const [rule, r] of Object.entries(parsed.data.forcedActions ?? {})) {
      for (const name of [...(r.symbol ? [r.symbol] : []), ...(r.unless ?? [])]) {
        if (!knownSymbols.has(name)) issues.push(`forcedActions.${rule}: unknown symbol ${name}`);
      }
    }
  }
  if (issues.length > 0) return { ok: false, error: new PolicyError(source, issues) };
  return { ok: true, layer: parsed.data as PolicyLayer };
}

/** Later layers win field by field; weights and group caps merge by key. Pure; validates nothing. */
export function mergePolicy(base: Policy, layers: readonly PolicyLayer[]): Policy {
  let p = base;
  for (const l of layers) {
    p = {
      thresholds: { ...p.thresholds, ...stripUndefined(l.thresholds) },
      weights: { ...p.weights, ...(stripUndefined(l.weights) as Record<string, number>) },
      groupCaps: mergeCaps(p.groupCaps, l.groupCaps),
      greylisting: { ...p.greylisting, ...stripUndefined(l.greylisting) },
      tagHeaders: { ...p.tagHeaders, ...stripUndefined(l.tagHeaders) },
      outbound: { ...p.outbound, ...stripUndefined(l.outbound) },
      forcedActions: mergeForced(p.forcedActions, l.forcedActions),
      userBounds: {
        tag: { ...p.userBounds.tag, ...stripUndefined(l.userBounds?.tag) },
        reject: { ...p.userBounds.reject, ...stripUndefined(l.userBounds?.reject) },
      },
      spamHandling: { ...p.spamHandling, ...stripUndefined(l.spamHandling) },
    };
  }
  return p;
}

/** Rule by rule, field by field; a layer may add a rule, but a rule missing a field is refused by validatePolicy. */
function mergeForced(
  base: Policy['forcedActions'],
  layer: PolicyLayer['forcedActions'],
): Policy['forcedActions'] {
  if (!layer) return base;
  const out: Record<string, ForcedActionRule> = { ...base };
  for (const [name, rule] of Object.entries(layer)) {
    if (rule) out[name] = { ...out[name], ...stripUndefined(rule) } as ForcedActionRule;
  }
  return out;
}

function mergeCaps(base: Policy['groupCaps'], layer: PolicyLayer['groupCaps']): Policy['groupCaps'] {
  if (!layer) return base;
  const out: Partial<Record<SymbolGroup, GroupCap>> = { ...base };
  for (const [group, cap] of Object.entries(layer) as [SymbolGroup, GroupCap | undefined][]) {
    if (cap) out[group] = { ...out[group], ...stripUndefined(cap) };
  }
  return out;
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Rules over the merged whole: every field present and finite, thresholds in order, known symbols only. */
export function validatePolicy(policy: Policy, knownSymbols: ReadonlySet<string>): string[] {
  const issues: string[] = [];
  const full = policyLayerSchema.safeParse(policy);
  if (!full.success) issues.push(...formatIssues(full.error));
  const t = policy.thresholds;
  for (const [name, v] of [
    ['tag', t.tag],
    ['reject', t.reject],
    ['outbound.hold', policy.outbound.hold],
    ['outbound.reject', policy.outbound.reject],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      issues.push(`thresholds: ${name} must be a finite number, got ${String(v)}`);
  }
  if (!(t.tag < t.reject)) issues.push(`thresholds: tag (${t.tag}) must be below reject (${t.reject})`);
  if (t.greylist !== null && !(t.greylist <= t.tag))
    issues.push(`thresholds: greylist (${t.greylist}) must not be above tag (${t.tag})`);
  if (
    !policy.spamHandling ||
    !['tag', 'quarantine'].includes(policy.spamHandling.tag) ||
    !['reject', 'quarantine'].includes(policy.spamHandling.reject)
  ) {
    issues.push(
      `spamHandling: tag must be 'tag' or 'quarantine' and reject 'reject' or 'quarantine', got ${JSON.stringify(policy.spamHandling)}`,
    );
  }
  if (!(policy.outbound.hold < policy.outbound.reject)) {
    issues.push(`outbound: hold (${policy.outbound.hold}) must be below reject (${policy.outbound.reject})`);
  }
  for (const name of Object.keys(policy.weights)) {
    if (!knownSymbols.has(name)) issues.push(`weights.${name}: unknown symbol`);
  }
  for (const [name, r] of Object.entries(policy.userBounds) as [string, ScoreRange][]) {
    if (!(r.min <= r.max)) issues.push(`userBounds.${name}: min (${r.min}) must not be above max (${r.max})`);
  }
  for (const [group, cap] of Object.entries(policy.groupCaps) as [SymbolGroup, GroupCap][]) {
    if (cap.max !== undefined && cap.max < 0)
      issues.push(`groupCaps.${group}.max must be ≥ 0, got ${cap.max}`);
    if (cap.min !== undefined && cap.min > 0)
      issues.push(`groupCaps.${group}.min must be ≤ 0, got ${cap.min}`);
  }
  for (const [name, rule] of Object.entries(policy.forcedActions ?? {})) {
    const missing = (['symbol', 'action', 'unless', 'reason'] as const).filter((k) => rule[k] === undefined);
    if (missing.length > 0) issues.push(`forcedActions.${name}: a new rule needs ${missing.join(', ')}`);
  }
  if (
    policy.greylisting.enabled &&
    policy.greylisting.pendingTtlSeconds <= policy.greylisting.minDelaySeconds
  ) {
    issues.push(
      `greylisting: pendingTtlSeconds (${policy.greylisting.pendingTtlSeconds}) must exceed minDelaySeconds (${policy.greylisting.minDelaySeconds}) or no retry can pass`,
    );
  }
  return [...new Set(issues)];
}

/**
 * Merges the layers over `base`, validating each layer and then the whole. Throws PolicyError naming the layer at
 * fault (or "merged" when only the combination is wrong, e.g. a user's tag above the domain's reject).
 */
export function resolvePolicy(
  base: Policy,
  layers: readonly PolicyLayerSource[],
  knownSymbols: ReadonlySet<string>,
): Policy {
  const checked: PolicyLayer[] = [];
  for (const { source, layer } of layers) {
    const r = parsePolicyLayer(layer, knownSymbols, source);
    if (!r.ok) throw r.error;
    checked.push(r.layer);
  }
  const merged = mergePolicy(base, checked);
  const issues = validatePolicy(merged, knownSymbols);
  if (issues.length > 0)
    throw new PolicyError(
      layers.length ? `merged: ${layers.map((l) => l.source).join(' ← ')}` : 'defaults',
      issues,
    );
  return merged;
}

/**
 * Whether the recipient's policy keeps their copy in the quarantine for this action (inbound only: held outbound mail
 * is an operator's decision, not the recipient's).
 */
export function quarantinesFor(action: Action, policy: Policy, direction: Direction): boolean {
  if (direction !== 'inbound') return false;
  if (action === 'tag') return policy.spamHandling.tag === 'quarantine';
  if (action === 'reject') return policy.spamHandling.reject === 'quarantine';
  return false;
}
