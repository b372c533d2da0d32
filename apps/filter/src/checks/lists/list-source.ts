/** One allow/block list entry as the filter needs it (persistence's ListRepository rows map onto this). */
export type ListScope = 'global' | 'domain' | 'user';
export type ListKind = 'allow' | 'block';
export type ListMatch = 'address' | 'domain' | 'ip' | 'cidr';

export interface ListEntry {
  readonly scope: ListScope;
  /** The domain (scope domain) or the user's address (scope user) the entry belongs to; null for global. */
  readonly owner: string | null;
  readonly kind: ListKind;
  readonly match: ListMatch;
  /** Lower-case address, domain, IP or CIDR ("192.0.2.0/24"). */
  readonly value: string;
  /**
   * 'aligned_auth': an allow that applies only when the sender it matched is authenticated (list-conditions.ts);
   * absent or null: whenever it matches. Blocks ignore it.
   */
  readonly requires?: 'aligned_auth' | null;
}

/** Port: every entry that can matter for these recipients (global + their domains + their users), in one query. */
export interface ListSource {
  entriesFor(
    recipients: readonly string[],
    direction?: 'inbound' | 'outbound',
  ): Promise<readonly ListEntry[]>;
}

/** Embedded default and test double of the port: a fixed table in memory. */
export class InMemoryListSource implements ListSource {
  constructor(private entries: ListEntry[] = []) {}

  add(entry: ListEntry): void {
    this.entries.push(entry);
  }

  replace(entries: ListEntry[]): void {
    this.entries = entries;
  }

  entriesFor(recipients: readonly string[]): Promise<readonly ListEntry[]> {
    const users = new Set(recipients.map((r) => r.toLowerCase()));
    const domains = new Set([...users].map((r) => r.slice(r.lastIndexOf('@') + 1)));
    return Promise.resolve(
      this.entries.filter(
        (e) =>
          e.scope === 'global' ||
          (e.scope === 'domain' && domains.has(e.owner ?? '')) ||
          (e.scope === 'user' && users.has(e.owner ?? '')),
      ),
    );
  }
}
