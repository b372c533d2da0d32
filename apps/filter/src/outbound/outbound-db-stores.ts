import type { AppConfig } from '@spamfilter/config';
import type { CounterStore } from '@spamfilter/counters';
import type { AupRule } from '@spamfilter/domain';
import type { EventBus } from '@spamfilter/messaging';
import {
  AupRuleRepository,
  OutboundAccountRepository,
  OutboundStandingRepository,
} from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import { BusOperatorNotifier, type NotifierLog } from './notice/operator-notifier';
import type { NowFn } from './outbound-clock';
import type { AccountState, AccountStore, AupRuleStore, StandingStore } from './outbound-sources.port';
import { OutboundProtection } from './outbound-protection';
import { AUTO_BLOCK_ACTOR } from './standing/auto-block.service';

/**
 * The data source, possibly not connected yet: the filter connects to the database in the background and a read
 * before that throws — the outbound check then reports its *_TEMPFAIL and the mail goes on (fail-open).
 */
export type DataSourceRef = () => DataSource;

/** Repositories for the data source of the moment (rebuilt only when the connection object changes). */
class Repos {
  private ds: DataSource | null = null;
  private accounts!: OutboundAccountRepository;
  private standing!: OutboundStandingRepository;
  private aup!: AupRuleRepository;

  constructor(private readonly ref: DataSourceRef) {}

  get(): {
    accounts: OutboundAccountRepository;
    standing: OutboundStandingRepository;
    aup: AupRuleRepository;
  } {
    const ds = this.ref();
    if (ds !== this.ds) {
      this.ds = ds;
      this.accounts = new OutboundAccountRepository(ds);
      this.standing = new OutboundStandingRepository(ds);
      this.aup = new AupRuleRepository(ds);
    }
    return { accounts: this.accounts, standing: this.standing, aup: this.aup };
  }
}

/** AccountStore over the outbound_account / outbound_audit repository. */
export class DbAccountStore implements AccountStore {
  constructor(private readonly repos: Repos) {}

  async state(account: string): Promise<AccountState> {
    const row = await this.repos.get().accounts.find(account);
    return { status: row?.status ?? 'active', blockedReason: row?.blockedReason ?? null };
  }

  lastUnblockAt(account: string): Promise<Date | null> {
    return this.repos.get().accounts.lastUnblockAt(account);
  }

  async autoBlock(
    account: string,
    reason: string,
    at: Date,
  ): Promise<{ changed: boolean; tenantId: string | null }> {
    const r = await this.repos
      .get()
      .accounts.block(account, { actor: AUTO_BLOCK_ACTOR, reason, at }, 'auto_block');
    return { changed: r.changed, tenantId: r.account?.tenantId ?? null };
  }
}

class DbStandingStore implements StandingStore {
  constructor(private readonly repos: Repos) {}
  countsSince(account: string, since: Date): Promise<{ spamVerdicts: number; complaints: number }> {
    return this.repos.get().standing.countsSince(account, since);
  }
}

class DbAupRuleStore implements AupRuleStore {
  constructor(private readonly repos: Repos) {}
  listEnabled(): Promise<readonly AupRule[]> {
    return this.repos.get().aup.listEnabled();
  }
}

export interface OutboundRuntime {
  readonly dataSource: DataSource | DataSourceRef;
  readonly counters: CounterStore;
  /** Operator notices go on spamfilter.operator.v1 when given (and to OUTBOUND_WEBHOOK_URL when set). */
  readonly bus?: Pick<EventBus, 'publish'>;
  readonly now?: NowFn;
  readonly log?: NotifierLog;
}

/** The production composition: PostgreSQL (or SQLite) repositories, the configured counter store and bus. */
export function createOutboundProtection(config: AppConfig, rt: OutboundRuntime): OutboundProtection {
  const ds = rt.dataSource;
  const repos = new Repos(typeof ds === 'function' ? ds : () => ds);
  return new OutboundProtection(config.outbound, {
    counters: rt.counters,
    accounts: new DbAccountStore(repos),
    standing: new DbStandingStore(repos),
    aupRules: new DbAupRuleStore(repos),
    notifiers: rt.bus ? [{ name: 'bus', notifier: new BusOperatorNotifier(rt.bus) }] : [],
    ...(rt.now ? { clock: rt.now } : {}),
    ...(rt.log ? { log: rt.log } : {}),
  });
}
