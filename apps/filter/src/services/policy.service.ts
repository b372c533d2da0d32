import {
  DEFAULT_POLICY,
  PolicyError,
  resolvePolicy,
  type Policy,
  type PolicyLayer,
  type PolicyLayerSource,
} from '@spamfilter/scoring';

/** Port: the stored policy layers (persistence's PolicyRepository in production). */
export interface PolicySource {
  /** Global, then the recipient's domain, then the recipient's own layer; absent layers are left out. */
  layersFor(recipient: string): Promise<readonly PolicyLayerSource[]>;
}

/** Embedded default and test double: layers in memory, keyed "global", "domain:<domain>", "user:<address>". */
export class InMemoryPolicySource implements PolicySource {
  private readonly layers = new Map<string, PolicyLayer>();

  setGlobal(layer: PolicyLayer): void {
    this.layers.set('global', layer);
  }
  setDomain(domain: string, layer: PolicyLayer): void {
    this.layers.set(`domain:${domain.toLowerCase()}`, layer);
  }
  setUser(address: string, layer: PolicyLayer): void {
    this.layers.set(`user:${address.toLowerCase()}`, layer);
  }

  layersFor(recipient: string): Promise<readonly PolicyLayerSource[]> {
    const r = recipient.toLowerCase();
    const domain = r.slice(r.lastIndexOf('@') + 1);
    const out: PolicyLayerSource[] = [];
    const g = this.layers.get('global');
    if (g) out.push({ source: 'global', layer: g });
    const d = this.layers.get(`domain:${domain}`);
    if (d) out.push({ source: `domain ${domain}`, layer: d });
    const u = this.layers.get(`user:${r}`);
    if (u) out.push({ source: `user ${r}`, layer: u });
    return Promise.resolve(out);
  }
}

export interface ResolvedPolicy {
  readonly policy: Policy;
  /** Set when a stored layer was invalid: the recipient falls back to the layers below it, and the reason is shown. */
  readonly problem: string | null;
}

/**
 * Resolves each recipient's effective policy (defaults ← global ← domain ← user), cached per recipient until
 * `invalidate()` (model/policy events on spamfilter.model.v1). Stored layers are validated on write by the API; if
 * one is invalid anyway (older version, manual edit), it is skipped — with the reason kept — rather than failing mail.
 */
export class PolicyService {
  private readonly cache = new Map<string, Promise<ResolvedPolicy>>();

  constructor(
    private readonly source: PolicySource,
    private readonly knownSymbols: () => ReadonlySet<string>,
    private readonly base: Policy = DEFAULT_POLICY,
    private readonly maxEntries = 50_000,
  ) {}

  forRecipient(recipient: string): Promise<ResolvedPolicy> {
    const key = recipient.toLowerCase();
    let p = this.cache.get(key);
    if (!p) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      // The policy store is down: use the defaults for this scan (and say so), and ask again next time.
      p = this.resolve(key).catch((err: unknown) => {
        this.cache.delete(key);
        const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
        return {
          policy: this.base,
          problem: `stored policy unavailable (${detail.slice(0, 120)}); defaults applied`,
        };
      });
      this.cache.set(key, p);
    }
    return p;
  }

  invalidate(): void {
    this.cache.clear();
  }

  private async resolve(recipient: string): Promise<ResolvedPolicy> {
    const layers = [...(await this.source.layersFor(recipient))];
    const known = this.knownSymbols();
    // Drop the most specific layer until the rest is valid: the user's broken layer must not cost them the domain's.
    const problems: string[] = [];
    while (true) {
      try {
        return {
          policy: resolvePolicy(this.base, layers, known),
          problem: problems.length ? problems.join(' | ') : null,
        };
      } catch (err) {
        if (!(err instanceof PolicyError) || layers.length === 0) throw err;
        problems.push(err.message);
        layers.pop();
      }
    }
  }
}
