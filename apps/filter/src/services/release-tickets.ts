import { ReleaseTicketRepository, type RedeemFacts, type RedeemResult } from '@spamfilter/persistence';
import type { FilterDatabase } from './persistence/filter-database';

/**
 * Port: the release tickets by which the API vouches for a message it re-injects through Haraka (a quarantine
 * release, a digest; RELEASE_HEADER in libs/domain). Why a ticket and not a trusted account or IP: the plugin never
 * skips the scan for anyone, so a leaked credential or a spoofed source address buys nothing; a ticket is one
 * delivery of one body from one sender to the recipients the API named, within minutes, once — useless to a sender
 * who did not get their mail quarantined, and useless for any other content.
 */
export interface ReleaseTickets {
  redeem(facts: RedeemFacts): Promise<RedeemResult>;
  /** A release for this sender and recipient is on its way (the RCPT check lets it through to DATA). */
  pendingFor(mailFrom: string, recipient: string): Promise<boolean>;
  /** Deletes expired tickets; returns how many. */
  sweep(now: Date): Promise<number>;
}

export class DbReleaseTickets implements ReleaseTickets {
  constructor(
    private readonly db: FilterDatabase,
    private readonly now: () => number,
  ) {}

  private repo(): ReleaseTicketRepository {
    return new ReleaseTicketRepository(this.db.repos().dataSource);
  }

  // async: repos() throws while the database is unreachable, and callers (a timer among them) expect a rejection.
  async redeem(facts: RedeemFacts): Promise<RedeemResult> {
    return this.repo().redeem(facts, new Date(this.now()));
  }

  async pendingFor(mailFrom: string, recipient: string): Promise<boolean> {
    return this.repo().pendingFor(mailFrom, recipient, new Date(this.now()));
  }

  async sweep(now: Date): Promise<number> {
    return this.repo().deleteExpired(now);
  }
}

/** Without a database no ticket can have been issued: every one is unknown. */
export class NoReleaseTickets implements ReleaseTickets {
  redeem(): Promise<RedeemResult> {
    return Promise.resolve({ ok: false, problem: 'unknown' });
  }

  pendingFor(): Promise<boolean> {
    return Promise.resolve(false);
  }

  sweep(): Promise<number> {
    return Promise.resolve(0);
  }
}
