import { BadRequestException, ConflictException, Inject, Injectable } from '@nestjs/common';
import type { Action } from '@spamfilter/domain';
import {
  PolicyRepository,
  ScanRecordRepository,
  type PolicyEntity,
  type ScanReader,
} from '@spamfilter/persistence';
import {
  DEFAULT_POLICY,
  DEFAULT_WEIGHTS,
  mergePolicy,
  parsePolicyLayer,
  presetLayer,
  replayVerdict,
  SENSITIVITY_PRESETS,
  sensitivityOf,
  userLayerProblems,
  validatePolicy,
  type Policy,
  type PolicyLayer,
} from '@spamfilter/scoring';
import type { Principal } from '../guards/principal';
import { ControlChanges } from './control-changes';
import type { PolicyPreviewBody, PolicyPreviewView, PolicyPut, PolicyView, ScopeQuery } from './control.dto';
import { describeTarget, tenantOf, type ScopeTarget } from './scope-access';
import { ownerOf, ScopeResolver } from './scope-resolver';

/** Most recipient verdicts one preview replays (newest first), and the examples it returns. */
export const POLICY_PREVIEW_MAX = 20_000;
const PREVIEW_EXAMPLES = 10;
const PAGE = 500;

/**
 * The symbols a layer may weight: every symbol with a shipped weight (libs/scoring DEFAULT_WEIGHTS). The filter's
 * registry also holds configured DNSBL zones and the outbound symbols; their weights are set in the filter's
 * configuration, so a weight for them here is refused rather than silently ignored.
 */
const KNOWN_SYMBOLS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_WEIGHTS));

type Layers = {
  readonly global: PolicyLayer | null;
  readonly domain: PolicyLayer | null;
  readonly user: PolicyLayer | null;
};

const stored = (p: PolicyEntity | null): PolicyLayer | null => (p ? (p.document as PolicyLayer) : null);

/** The merged policy of `layers`, skipping (as the filter does) a stored layer that no longer validates. */
function effective(layers: Layers): Policy {
  const list = [layers.global, layers.domain, layers.user].filter((l): l is PolicyLayer => l !== null);
  while (list.length > 0) {
    const merged = mergePolicy(DEFAULT_POLICY, list);
    if (validatePolicy(merged, KNOWN_SYMBOLS).length === 0) return merged;
    list.pop();
  }
  return DEFAULT_POLICY;
}

function count(counts: Record<string, number>, action: Action): void {
  counts[action] = (counts[action] ?? 0) + 1;
}

/**
 * Policies at every scope: the global weights, group caps, thresholds and greylisting (operators), a domain's policy
 * (its admins), a user's sensitivity within the bounds the domain allows. Every change is validated as a whole
 * (libs/scoring) with every reason on refusal, can be previewed over the scope's message log first, is audited, and
 * reaches every filter through spamfilter.model.v1.
 */
@Injectable()
export class PoliciesService {
  constructor(
    @Inject(PolicyRepository) private readonly policies: PolicyRepository,
    @Inject(ScanRecordRepository) private readonly scans: ScanRecordRepository,
    @Inject(ScopeResolver) private readonly scopes: ScopeResolver,
    @Inject(ControlChanges) private readonly changes: ControlChanges,
  ) {}

  async get(p: Principal, q: ScopeQuery): Promise<PolicyView> {
    const target = await this.scopes.resolve(p, q);
    const row = await this.policies.get(ownerOf(target));
    return this.view(target, row, await this.layersOf(target));
  }

  async put(p: Principal, q: ScopeQuery, body: PolicyPut): Promise<PolicyView> {
    const target = await this.scopes.resolve(p, q);
    const before = await this.policies.get(ownerOf(target));
    const layer = this.proposedLayer(target, body, stored(before));
    const layers = await this.layersOf(target);
    this.validate(target, layer, layers);
    return this.changes.apply(p, async () => {
      const r = await this.policies.upsert(
        ownerOf(target),
        layer,
        body.version,
        p.address ?? `key:${p.keyPrefix}`,
      );
      if (!r.ok)
        throw new ConflictException(
          `the policy was changed since you read it (version ${r.currentVersion} now): read it again`,
        );
      const view = this.view(target, r.policy, { ...layers, [target.scope]: layer });
      return {
        result: view,
        audit: {
          tenantId: tenantOf(target),
          subject: 'policy',
          subjectId: describeTarget(target),
          action: before ? 'update' : 'create',
          before: before ? { version: before.version, layer: before.document } : null,
          after: { version: r.policy.version, layer },
        },
        change: {
          kind: 'policy',
          userId: target.scope === 'user' ? target.userId : null,
          payload: { scope: describeTarget(target), version: r.policy.version },
        },
      };
    });
  }

  /**
   * How the scope's message log of the last `days` would have been decided under the proposal: counts per action
   * (as logged, the current policy replayed, the proposal replayed) and examples of verdicts that change.
   */
  async preview(
    p: Principal,
    q: ScopeQuery,
    body: PolicyPreviewBody,
    now = new Date(),
  ): Promise<PolicyPreviewView> {
    const target = await this.scopes.resolve(p, q);
    const layers = await this.layersOf(target);
    const layer = this.proposedLayer(target, body, layers[target.scope]);
    this.validate(target, layer, layers);
    const since = new Date(now.getTime() - body.days * 86_400_000);
    const reader: ScanReader =
      target.scope === 'user'
        ? { kind: 'user', userId: target.userId }
        : target.scope === 'domain'
          ? { kind: 'domain', domainId: target.domainId }
          : { kind: 'operator' };
    const policiesOf = this.recipientPolicies(target, layer);
    const out = {
      actual: {} as Record<string, number>,
      current: {} as Record<string, number>,
      proposed: {} as Record<string, number>,
    };
    const examples: PolicyPreviewView['examples'] = [];
    let messages = 0;
    let changed = 0;
    let greylistBand = 0;
    let capped = false;
    for (let offset = 0; !capped; offset += PAGE) {
      const page = await this.scans.search(reader, { from: since, to: now }, { limit: PAGE, offset });
      for (const { record, recipients } of page.items) {
        for (const r of recipients) {
          if (messages >= POLICY_PREVIEW_MAX) {
            capped = true;
            break;
          }
          messages++;
          const { current, proposed } = await policiesOf(r.userId, r.domainId);
          const logged = {
            direction: record.direction,
            recipient: r.recipient,
            shared: record.symbols,
            own: r.symbols,
          };
          const was = replayVerdict(logged, current, DEFAULT_WEIGHTS);
          const will = replayVerdict(logged, proposed, DEFAULT_WEIGHTS);
          count(out.actual, r.action);
          count(out.current, was.action);
          count(out.proposed, will.action);
          if (will.greylistBand) greylistBand++;
          if (was.action !== will.action) {
            changed++;
            if (examples.length < PREVIEW_EXAMPLES)
              examples.push({
                reference: record.reference,
                recipient: r.recipient,
                subject: record.subject,
                sender: record.mailFrom,
                score: was.score,
                action: was.action,
                proposedScore: will.score,
                proposedAction: will.action,
              });
          }
        }
      }
      if (!page.hasMore) break;
    }
    return {
      scope: target.scope,
      since: since.toISOString(),
      days: body.days,
      messages,
      capped,
      ...out,
      changed,
      greylistBand,
      examples,
    };
  }

  /**
   * The current and proposed policy of each logged recipient: their own stored layers, with the target's layer
   * replaced by the proposal (a domain's change reaches its users through their own sensitivity). Cached per user.
   */
  private recipientPolicies(target: ScopeTarget, proposal: PolicyLayer) {
    const cache = new Map<string, Promise<{ current: Policy; proposed: Policy }>>();
    return (
      userId: string | null,
      domainId: string | null,
    ): Promise<{ current: Policy; proposed: Policy }> => {
      const key = userId ? `u:${userId}` : `d:${domainId ?? ''}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = (async () => {
          const layers: Layers = userId
            ? await this.policies
                .layersForUser(userId)
                .then((l) => ({ global: stored(l.global), domain: stored(l.domain), user: stored(l.user) }))
            : {
                global: stored(await this.policies.get({ scope: 'global' })),
                domain: domainId ? stored(await this.policies.get({ scope: 'domain', domainId })) : null,
                user: null,
              };
          return { current: effective(layers), proposed: effective({ ...layers, [target.scope]: proposal }) };
        })();
        if (cache.size < 50_000) cache.set(key, hit);
      }
      return hit;
    };
  }

  private async layersOf(target: ScopeTarget): Promise<Layers> {
    const global = stored(await this.policies.get({ scope: 'global' }));
    if (target.scope === 'global') return { global, domain: null, user: null };
    if (target.scope === 'domain')
      return {
        global,
        domain: stored(await this.policies.get({ scope: 'domain', domainId: target.domainId })),
        user: null,
      };
    const l = await this.policies.layersForUser(target.userId);
    return { global: stored(l.global), domain: stored(l.domain), user: stored(l.user) };
  }

  /** The layer a request proposes: its layer, or a user's sensitivity preset over the rest of their stored layer. */
  private proposedLayer(
    target: ScopeTarget,
    body: { layer?: unknown; sensitivity?: keyof typeof SENSITIVITY_PRESETS },
    current: PolicyLayer | null,
  ): PolicyLayer {
    if (body.sensitivity === undefined) return body.layer as PolicyLayer;
    if (target.scope !== 'user')
      throw new BadRequestException(
        'sensitivity: a preset is for a user\'s policy; set thresholds in "layer"',
      );
    const { thresholds: _old, ...rest } = current ?? {};
    return presetLayer(body.sensitivity, rest);
  }

  /** Validates the layer and the merged whole; 400 with every reason. */
  private validate(target: ScopeTarget, layer: PolicyLayer, layers: Layers): void {
    const source = describeTarget(target);
    const parsed = parsePolicyLayer(layer, KNOWN_SYMBOLS, source);
    if (!parsed.ok)
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: parsed.error.issues.map((i) => `${source}: ${i}`),
      });
    const issues: string[] = [];
    if (target.scope === 'user')
      issues.push(
        ...userLayerProblems(
          parsed.layer,
          mergePolicy(DEFAULT_POLICY, [layers.global ?? {}, layers.domain ?? {}]),
        ),
      );
    const below =
      target.scope === 'global'
        ? []
        : target.scope === 'domain'
          ? [layers.global ?? {}]
          : [layers.global ?? {}, layers.domain ?? {}];
    issues.push(...validatePolicy(mergePolicy(DEFAULT_POLICY, [...below, parsed.layer]), KNOWN_SYMBOLS));
    if (issues.length > 0)
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: issues.map((i) => `${source}: ${i}`),
      });
  }

  private view(target: ScopeTarget, row: PolicyEntity | null, layers: Layers): PolicyView {
    const policy = effective(layers);
    return {
      scope: target.scope,
      domain: target.scope === 'domain' ? target.domain : null,
      user: target.scope === 'user' ? target.address : null,
      layer: (row?.document as Record<string, unknown> | undefined) ?? {},
      version: row?.version ?? 0,
      updatedBy: row?.updatedBy ?? null,
      updatedAt: row?.updatedAt.toISOString() ?? null,
      effective: policy as PolicyView['effective'],
      sensitivity: sensitivityOf(policy.thresholds),
      presets: SENSITIVITY_PRESETS,
    };
  }
}
