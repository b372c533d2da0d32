import type { AppConfig } from '@spamfilter/config';
import type { CounterStore } from '@spamfilter/counters';
import type { EventBus } from '@spamfilter/messaging';
import { AupRuleRepository, OutboundAccountRepository, OutboundStandingRepository } from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import { BusOperatorNotifier, type NotifierLog } from './notice/operator-notifier';
import type { NowFn } from './outbound-clock';
import type { AccountState, AccountStore } from './outbound-sources.port';
import { OutboundProtection } from './outbound-protection';
import { AUTO_BLOCK_ACTOR } from './standing/auto-block.service';

/** AccountStore over the outbound_account / outbound_audit repository. */
export class DbAccountStore implements AccountStore {
  constructor(private readonly repo: OutboundAccountRepository) {}

  async state(account: string): Promise<AccountState> {
    const row = await this.repo.find(account);
    return { status: row?.status ?? 'active', blockedReason: row?.blockedReason ?? null };
  }

  lastUnblockAt(account: string): Promise<Date | null> {
    return this.repo.lastUnblockAt(account);
  }

  async autoBlock(account: string, reason: string, at: Date): Promise<{ changed: boolean; tenantId: string | null }> {
    const r = await this.repo.block(account, { actor: AUTO_BLOCK_ACTOR, reason, at }, 'auto_block');
    return { changed: r.changed, tenantId: r.account?.tenantId ?? null };
  }
}

export interface OutboundRuntime {
  readonly dataSource: DataSource;
  readonly counters: CounterStore;
  /** Operator notices go on spamfilter.operator.v1 when given (and to OUTBOUND_WEBHOOK_URL when set). */
  readonly bus?: Pick<EventBus, 'publish'>;
  readonly now?: NowFn;
  readonly log?: NotifierLog;
}

/** The production composition: PostgreSQL (or SQLite) repositories, the configured counter store and bus. */
export function createOutboundProtection(config: AppConfig, rt: OutboundRuntime): OutboundProtection {
  return new OutboundProtection(config.outbound, {
    counters: rt.counters,
    accounts: new DbAccountStore(new OutboundAccountRepository(rt.dataSource)),
    standing: new OutboundStandingRepository(rt.dataSource),
    aupRules: new AupRuleRepository(rt.dataSource),
    notifiers: rt.bus ? [{ name: 'bus', notifier: new BusOperatorNotifier(rt.bus) }] : [],
    ...(rt.now ? { clock: rt.now } : {}),
    ...(rt.log ? { log: rt.log } : {}),
  });
}
