import { DEFAULT_POLICY } from './default-policy';
import type { Policy, PolicyLayer, Thresholds } from './policy';

/**
 * What each scope may change, and the users' sensitivity presets. Pure rules; the API applies them before storing a
 * layer (and validates the merged whole with validatePolicy).
 */

/**
 * Named sensitivities a user picks instead of numbers; "standard" is the shipped thresholds (tag 2.5, the operating
 * point of default-policy.ts). "strict" tags from 2 — mail with one weak symbol (an odd HELO) — and refuses from 10;
 * "relaxed" tags only clear spam.
 */
export const SENSITIVITY_PRESETS = {
  relaxed: { greylist: 5, tag: 8, reject: 20 },
  standard: DEFAULT_POLICY.thresholds,
  strict: { greylist: 2, tag: 2, reject: 10 },
} as const satisfies Record<string, Thresholds>;
export type Sensitivity = keyof typeof SENSITIVITY_PRESETS;
export const SENSITIVITIES = Object.keys(SENSITIVITY_PRESETS) as Sensitivity[];

/**
 * The parts of the policy a user may set in their own layer: thresholds, greylisting on/off, the tag headers, and
 * where their spam goes (spamHandling: Junk or refusal, or their quarantine).
 */
const USER_KEYS = new Set(['thresholds', 'greylisting', 'tagHeaders', 'spamHandling']);

/**
 * Problems with a user's layer given the policy below it (defaults ← global ← domain): only the user's keys, and
 * thresholds within the bounds the operator or the domain allows (policy.userBounds). Empty when acceptable.
 */
export function userLayerProblems(layer: PolicyLayer, below: Policy): string[] {
  const issues: string[] = [];
  for (const key of Object.keys(layer)) {
    if (!USER_KEYS.has(key)) issues.push(`${key}: set by the domain or the operator, not by a user`);
  }
  for (const key of Object.keys(layer.greylisting ?? {})) {
    if (key !== 'enabled')
      issues.push(`greylisting.${key}: set by the domain or the operator, not by a user`);
  }
  const t = layer.thresholds;
  for (const name of ['tag', 'reject'] as const) {
    const v = t?.[name];
    const r = below.userBounds[name];
    if (v !== undefined && (v < r.min || v > r.max))
      issues.push(`thresholds.${name}: ${v} is outside what this domain allows (${r.min}..${r.max})`);
  }
  return issues;
}

/** A user's layer from a preset: the preset's thresholds (and whatever else of the user's layer is kept). */
export function presetLayer(sensitivity: Sensitivity, rest: PolicyLayer = {}): PolicyLayer {
  return { ...rest, thresholds: { ...SENSITIVITY_PRESETS[sensitivity] } };
}

/** The preset whose thresholds the policy has, or null for custom thresholds. */
export function sensitivityOf(thresholds: Thresholds): Sensitivity | null {
  for (const name of SENSITIVITIES) {
    const p = SENSITIVITY_PRESETS[name];
    if (p.tag === thresholds.tag && p.reject === thresholds.reject && p.greylist === thresholds.greylist)
      return name;
  }
  return null;
}
