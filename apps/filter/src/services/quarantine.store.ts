import { QuarantineRepository, type NewQuarantinedCopy } from '@spamfilter/persistence';
import type { FilterDatabase } from './persistence/filter-database';
import type { RecipientDirectory } from './persistence/db-adapters';

/** A copy to keep instead of delivering it; the owner's user and domain are resolved by the store from `owner`. */
export type QuarantineCopy = Omit<NewQuarantinedCopy, 'userId' | 'domainId'> & {
  /** Whose quarantine it is: the recipient (inbound) or the sending account (held outbound mail). */
  readonly owner: string;
};

/** What the quarantine holds now (spamfilter_quarantine_messages / _bytes). */
export interface QuarantineSize {
  readonly copies: number;
  readonly bytes: number;
}

/**
 * Port: where kept copies go — a recipient's copy their policy refused while others accept the message, or that their
 * policy quarantines, and held outbound mail. The scan waits for `keep` before it answers: when it fails, the message
 * is refused temporarily (451) rather than delivered or lost, and the sender retries.
 */
export interface QuarantineStore {
  keep(copies: readonly QuarantineCopy[]): Promise<void>;
  /** Deletes copies past their retention; returns how many. */
  sweep(now: Date): Promise<number>;
  /** How many copies (and bytes) are held now. */
  size(): Promise<QuarantineSize>;
}

/** The database store (libs/persistence quarantine_message), the recipients' users resolved through the directory. */
export class DbQuarantineStore implements QuarantineStore {
  constructor(
    private readonly db: FilterDatabase,
    private readonly directory: RecipientDirectory,
  ) {}

  async keep(copies: readonly QuarantineCopy[]): Promise<void> {
    const repo = new QuarantineRepository(this.db.repos().dataSource);
    const owners = await this.directory.owners([...new Set(copies.map((c) => c.owner))]);
    await repo.addMany(
      copies.map(({ owner, ...c }) => {
        const o = owners.get(owner) ?? null;
        return { ...c, userId: o?.userId ?? null, domainId: o?.domainId ?? null };
      }),
    );
  }

  async sweep(now: Date): Promise<number> {
    return new QuarantineRepository(this.db.repos().dataSource).deleteExpired(now);
  }

  size(): Promise<QuarantineSize> {
    return new QuarantineRepository(this.db.repos().dataSource).size();
  }
}

/**
 * Without a database (tests, a filter run with no DB): copies kept in memory, the oldest dropped beyond `maxCopies`
 * so the process stays bounded. Not for production: a restart loses them (the README says so).
 */
export class MemoryQuarantineStore implements QuarantineStore {
  readonly copies: (QuarantineCopy & { readonly id: number })[] = [];
  private nextId = 1;

  constructor(private readonly maxCopies = 1000) {}

  async keep(copies: readonly QuarantineCopy[]): Promise<void> {
    for (const c of copies) this.copies.push({ ...c, id: this.nextId++ });
    if (this.copies.length > this.maxCopies) this.copies.splice(0, this.copies.length - this.maxCopies);
    return Promise.resolve();
  }

  async sweep(now: Date): Promise<number> {
    const before = this.copies.length;
    const kept = this.copies.filter((c) => c.expiresAt.getTime() > now.getTime());
    this.copies.splice(0, this.copies.length, ...kept);
    return Promise.resolve(before - kept.length);
  }

  size(): Promise<QuarantineSize> {
    return Promise.resolve({
      copies: this.copies.length,
      bytes: this.copies.reduce((n, c) => n + c.raw.length, 0),
    });
  }
}
