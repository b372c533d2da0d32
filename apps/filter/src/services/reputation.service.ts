import ipaddr from 'ipaddr.js';

/**
 * The filter's own memory of senders: per IP, per /24 (IPv4) or /48 (IPv6), and per sender domain, a decaying count
 * of spam and ham (exponential decay with a configurable half-life, so a cleaned-up host recovers). Fed by this
 * instance's confident verdicts (weight 1 — weak, since the verdict is partly based on it; `selfLabel`) and by user
 * feedback (weight 5).
 * The hot path is this in-memory map; a backing store (persistence's reputation table) loads and saves it in bulk.
 */
export interface ReputationCounts {
  spam: number;
  ham: number;
  /** ms timestamp the counts were last decayed to. */
  at: number;
}

export type ReputationKind = 'ip' | 'net' | 'domain';

export interface ReputationSnapshotRow {
  readonly key: string;
  readonly spam: number;
  readonly ham: number;
  readonly at: number;
}

export interface ReputationStore {
  loadAll(): Promise<readonly ReputationSnapshotRow[]>;
  saveMany(rows: readonly ReputationSnapshotRow[]): Promise<void>;
}

export interface ReputationOptions {
  readonly halfLifeHours: number;
  readonly maxEntries: number;
  /**
   * The least score of a tag or reject that teaches reputation "spam" (REPUTATION_SELF_SPAM_SCORE; default 0: every
   * tag or reject). A verdict just above the tag threshold is as often the model's mistake as the sender's spam, and
   * learning from it spreads the mistake to all of that sender's mail (bench/eval/README.md, "Content weights and reputation from data").
   */
  readonly selfSpamScore?: number;
  readonly now?: () => number;
}

/** What a verdict of this filter teaches reputation: only what it is sure of. */
export type SelfLabel = 'spam' | 'ham' | null;

export class ReputationService {
  private readonly table = new Map<string, ReputationCounts>();
  private readonly dirty = new Set<string>();
  /** Evidence added here since the last save (the backing store adds deltas, so instances never overwrite each other). */
  private pending = new Map<string, { spam: number; ham: number }>();
  /** Keys asked for but not in memory: the backing store is asked for them off the hot path. */
  private wanted = new Set<string>();
  private readonly lambda: number;
  private readonly now: () => number;

  constructor(private readonly options: ReputationOptions) {
    this.lambda = Math.LN2 / (options.halfLifeHours * 3600 * 1000);
    this.now = options.now ?? Date.now;
  }

  static keys(ip: string, senderDomain: string | null): { kind: ReputationKind; key: string }[] {
    const out: { kind: ReputationKind; key: string }[] = [{ kind: 'ip', key: `ip:${ip.toLowerCase()}` }];
    const net = networkOf(ip);
    if (net) out.push({ kind: 'net', key: `net:${net}` });
    if (senderDomain) out.push({ kind: 'domain', key: `domain:${senderDomain.toLowerCase()}` });
    return out;
  }

  get(key: string): ReputationCounts | undefined {
    const c = this.table.get(key);
    if (!c) {
      if (this.wanted.size < 10_000) this.wanted.add(key);
      return undefined;
    }
    this.decay(c);
    return c;
  }

  record(ip: string, senderDomain: string | null, label: 'spam' | 'ham', weight: number): void {
    for (const { key } of ReputationService.keys(ip, senderDomain)) {
      let c = this.table.get(key);
      if (!c) {
        if (this.table.size >= this.options.maxEntries) this.evict();
        c = { spam: 0, ham: 0, at: this.now() };
        this.table.set(key, c);
      } else {
        this.decay(c);
      }
      c[label] += weight;
      this.dirty.add(key);
      const p = this.pending.get(key) ?? { spam: 0, ham: 0 };
      p[label] += weight;
      this.pending.set(key, p);
    }
  }

  /** Stored rows (authoritative, every instance's evidence) replace memory, plus what is not saved yet. */
  load(rows: readonly ReputationSnapshotRow[]): void {
    for (const r of rows) {
      const p = this.pending.get(r.key);
      const c: ReputationCounts = { spam: r.spam + (p?.spam ?? 0), ham: r.ham + (p?.ham ?? 0), at: r.at };
      this.decay(c);
      this.table.set(r.key, c);
    }
  }

  takeDeltas(): { key: string; spam: number; ham: number }[] {
    const out = [...this.pending].map(([key, d]) => ({ key, ...d }));
    this.pending = new Map();
    return out;
  }

  /** Puts deltas back after a failed save (they are added to whatever is recorded meanwhile). */
  restoreDeltas(deltas: readonly { key: string; spam: number; ham: number }[]): void {
    for (const d of deltas) {
      const p = this.pending.get(d.key) ?? { spam: 0, ham: 0 };
      this.pending.set(d.key, { spam: p.spam + d.spam, ham: p.ham + d.ham });
    }
  }

  takeWanted(): string[] {
    const out = [...this.wanted];
    this.wanted = new Set();
    return out;
  }

  /**
   * The label this instance's own verdict teaches (weight 1, see `record`): spam for a tag or reject scoring at least
   * `selfSpamScore`, ham below 1 point, nothing in between (nor for greylisted mail, which is no verdict yet).
   */
  selfLabel(action: string, score: number): SelfLabel {
    if (action === 'tag' || action === 'reject')
      return score >= (this.options.selfSpamScore ?? 0) ? 'spam' : null;
    if (action === 'greylist') return null;
    return score < 1 ? 'ham' : null;
  }

  get halfLifeMs(): number {
    return this.options.halfLifeHours * 3600 * 1000;
  }

  /** Rows changed since the last call, for a periodic save to the backing store. */
  takeDirty(): ReputationSnapshotRow[] {
    const rows: ReputationSnapshotRow[] = [];
    for (const key of this.dirty) {
      const c = this.table.get(key);
      if (c) rows.push({ key, spam: c.spam, ham: c.ham, at: c.at });
    }
    this.dirty.clear();
    return rows;
  }

  get size(): number {
    return this.table.size;
  }

  private decay(c: ReputationCounts): void {
    const t = this.now();
    if (t <= c.at) return;
    const f = Math.exp(-this.lambda * (t - c.at));
    c.spam *= f;
    c.ham *= f;
    c.at = t;
  }

  private evict(): void {
    // Drop the tenth with the least evidence left.
    const rows = [...this.table.entries()]
      .map(([k, c]) => [k, c.spam + c.ham] as const)
      .sort((a, b) => a[1] - b[1]);
    for (const [k] of rows.slice(0, Math.max(1, Math.floor(rows.length / 10)))) this.table.delete(k);
  }
}

function networkOf(ip: string): string | null {
  try {
    const a = ipaddr.process(ip);
    if (a.kind() === 'ipv4') return `${(a as ipaddr.IPv4).octets.slice(0, 3).join('.')}.0/24`;
    const g = (a as ipaddr.IPv6).toNormalizedString().split(':');
    return `${g.slice(0, 3).join(':')}::/48`;
  } catch {
    return null;
  }
}
