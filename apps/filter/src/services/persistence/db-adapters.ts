import type { Direction } from '@spamfilter/domain';
import type { ListEntryEntity, NewScanRecord, RecipientOwner } from '@spamfilter/persistence';
import type { PolicyLayer, PolicyLayerSource } from '@spamfilter/scoring';
import type { BayesUserDirectory } from '../../checks/bayes/bayes.check';
import type { ListEntry, ListSource } from '../../checks/lists/list-source';
import type { PolicySource } from '../policy.service';
import type { ScanLogRecord, ScanLogSink } from '../scan-log.writer';
import type { FilterDatabase } from './filter-database';
import type { ScanRecordInserter } from './scan-log-thread';

/**
 * Who each recipient is (user id, domain id), cached for `ttlMs`: asked for every scan (policy, Bayes layer) and every
 * message-log batch, so it must not be a database round trip per message. Misses are batched into one lookup.
 */
export class RecipientDirectory {
  private readonly cache = new Map<string, { owner: RecipientOwner | null; until: number }>();
  private readonly pending = new Map<string, Promise<RecipientOwner | null>>();
  /** Bumped by invalidate(): a lookup that started before a change must not cache (or share) its older answer. */
  private generation = 0;

  /**
   * Known recipients are cached for `ttlMs`; unknown ones only for `negativeTtlMs`, so a mailbox created through the
   * API owns its mail (message log, Bayes layer, policy) within seconds, while a dictionary attack on unknown
   * addresses still costs one query per address per few seconds, not per message.
   */
  constructor(
    private readonly db: FilterDatabase,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly negativeTtlMs = 2_000,
  ) {}

  async owners(addresses: readonly string[]): Promise<Map<string, RecipientOwner | null>> {
    const out = new Map<string, RecipientOwner | null>();
    const waits: [string, Promise<RecipientOwner | null>][] = [];
    const missing: string[] = [];
    const t = this.now();
    for (const a of addresses) {
      const key = a.toLowerCase();
      const hit = this.cache.get(key);
      const inFlight = this.pending.get(key);
      if (hit && hit.until > t) out.set(a, hit.owner);
      else if (inFlight) waits.push([a, inFlight]);
      else missing.push(a);
    }
    if (missing.length > 0) {
      const keys = missing.map((a) => a.toLowerCase());
      const lookup = this.db.repos().users.resolveRecipients(missing);
      const generation = this.generation;
      const settle = (found: Map<string, RecipientOwner> | null): void => {
        if (generation !== this.generation) return; // invalidated meanwhile: pending was cleared, nothing cached
        for (const key of keys) this.pending.delete(key);
        if (!found) return;
        if (this.cache.size > 200_000) this.cache.clear();
        for (const key of keys) {
          const owner = found.get(key) ?? null;
          this.cache.set(key, { owner, until: t + (owner ? this.ttlMs : this.negativeTtlMs) });
        }
      };
      void lookup.then(settle, () => settle(null));
      missing.forEach((a, i) => {
        const key = keys[i] as string;
        const owner = lookup.then((found) => found.get(key) ?? null);
        this.pending.set(key, owner);
        waits.push([a, owner]);
      });
    }
    // Concurrent scans for one uncached recipient share its lookup instead of each running the query.
    const owners = await Promise.all(waits.map(([, p]) => p));
    waits.forEach(([a], i) => out.set(a, owners[i] ?? null));
    return out;
  }

  invalidate(): void {
    this.generation += 1;
    this.cache.clear();
    this.pending.clear();
  }
}

/** Lists from ListRepository (one query per scan), cached briefly per recipient set; invalidated on list changes. */
export class DbListSource implements ListSource {
  private readonly cache = new Map<string, { entries: readonly ListEntry[]; until: number }>();

  constructor(
    private readonly db: FilterDatabase,
    private readonly ttlMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async entriesFor(
    recipients: readonly string[],
    direction: Direction = 'inbound',
  ): Promise<readonly ListEntry[]> {
    const key = `${direction}|${[...recipients]
      .map((r) => r.toLowerCase())
      .sort()
      .join(',')}`;
    const hit = this.cache.get(key);
    const t = this.now();
    if (hit && hit.until > t) return hit.entries;
    const found = await this.db.repos().lists.entriesForScan(recipients, direction);
    const entries: ListEntry[] = found.global.map((e) => toEntry(e, null));
    for (const [address, list] of found.byRecipient) for (const e of list) entries.push(toEntry(e, address));
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(key, { entries, until: t + this.ttlMs });
    return entries;
  }

  invalidate(): void {
    this.cache.clear();
  }
}

function toEntry(e: ListEntryEntity, address: string | null): ListEntry {
  // A domain entry arrives once per recipient of that domain: owner = that recipient's domain.
  const owner =
    e.scope === 'global'
      ? null
      : e.scope === 'user'
        ? address
        : (address ?? '').slice((address ?? '').lastIndexOf('@') + 1);
  return { scope: e.scope, owner, kind: e.kind, match: e.matchType, value: e.value, requires: e.requires };
}

/** Policy layers from PolicyRepository for the recipient's user (or only global + domain for unknown users). */
export class DbPolicySource implements PolicySource {
  constructor(
    private readonly db: FilterDatabase,
    private readonly directory: RecipientDirectory,
  ) {}

  async layersFor(recipient: string): Promise<readonly PolicyLayerSource[]> {
    const owner = (await this.directory.owners([recipient])).get(recipient) ?? null;
    const repo = this.db.repos().policies;
    const out: PolicyLayerSource[] = [];
    if (owner?.userId) {
      const l = await repo.layersForUser(owner.userId);
      if (l.global) out.push({ source: 'global', layer: l.global.document as PolicyLayer });
      if (l.domain)
        out.push({
          source: `domain ${recipient.slice(recipient.lastIndexOf('@') + 1)}`,
          layer: l.domain.document as PolicyLayer,
        });
      if (l.user)
        out.push({ source: `user ${recipient.toLowerCase()}`, layer: l.user.document as PolicyLayer });
      return out;
    }
    const g = await repo.get({ scope: 'global' });
    if (g) out.push({ source: 'global', layer: g.document as PolicyLayer });
    if (owner) {
      const d = await repo.get({ scope: 'domain', domainId: owner.domainId });
      if (d)
        out.push({
          source: `domain ${recipient.slice(recipient.lastIndexOf('@') + 1)}`,
          layer: d.document as PolicyLayer,
        });
    }
    return out;
  }
}

/** The Bayes layer of each recipient is their user id (the learner trains under it). */
export class DbBayesUsers implements BayesUserDirectory {
  constructor(private readonly directory: RecipientDirectory) {}

  async userIdsFor(recipients: readonly string[]): Promise<ReadonlyMap<string, string | null>> {
    try {
      const owners = await this.directory.owners(recipients);
      return new Map(recipients.map((r) => [r, owners.get(r)?.userId ?? null]));
    } catch {
      // Database down: every recipient gets the global model rather than no Bayes at all.
      return new Map(recipients.map((r) => [r, null]));
    }
  }
}

/**
 * The message log: one multi-row transaction per batch through ScanRecordRepository.insertMany, on the filter's own
 * connection or, with an inserter such as the message-log thread (scan-log-thread.ts), on that one's. The recipients'
 * owners are resolved here either way (the directory's cache lives on this thread).
 */
export class DbScanLogSink implements ScanLogSink {
  /** `inserter`: null inserts through the filter's own connection (SCAN_LOG_THREAD=false, SQLite in memory). */
  constructor(
    private readonly db: FilterDatabase,
    private readonly directory: RecipientDirectory,
    private readonly inserter: ScanRecordInserter | null = null,
  ) {}

  async close(): Promise<void> {
    await this.inserter?.close();
  }

  async writeBatch(records: readonly ScanLogRecord[]): Promise<void> {
    // Not connected: the batch fails here and the writer keeps it (DatabaseUnavailableError).
    const repos = this.db.repos();
    const owners = await this.directory.owners([
      ...new Set(records.flatMap((r) => r.recipients.map((x) => x.recipient))),
    ]);
    const rows = records.map((r): NewScanRecord => ({
      reference: r.reference,
      createdAt: r.createdAt,
      direction: r.direction,
      clientIp: r.clientIp,
      helo: r.helo.slice(0, 255),
      mailFrom: r.mailFrom.slice(0, 320),
      authUser: r.authUser,
      queueId: r.queueId,
      headerFrom: r.headerFrom,
      subject: r.subject,
      messageFingerprint: r.messageFingerprint,
      size: r.size,
      action: r.action,
      score: r.score,
      symbols: r.symbols,
      smtpReply: r.smtpReply,
      headers: r.headers,
      training: r.training,
      elapsedMs: r.elapsedMs,
      recipients: r.recipients.map((x) => {
        const o = owners.get(x.recipient) ?? null;
        return {
          recipient: x.recipient,
          userId: o?.userId ?? null,
          domainId: o?.domainId ?? null,
          action: x.action,
          score: x.score,
          symbols: x.symbols,
          reason: x.reason,
          disposition: x.disposition,
        };
      }),
    }));
    await (this.inserter ? this.inserter.insertMany(rows) : repos.scans.insertMany(rows));
  }
}
