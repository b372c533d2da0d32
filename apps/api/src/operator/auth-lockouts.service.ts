import { BadRequestException, Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import {
  accountOf,
  AuthGuardLedger,
  clientOf,
  CounterStore,
  type AuthGuardListing,
  type ClearOutcome,
} from '@spamfilter/counters';
import { API_APP_CONFIG } from '../api-config.token';
import type { AuthLockoutClearBody } from './operator.dto';
import { OperatorNotices } from './operator-notices';

export type ClearedView = ({ readonly ip: string } | { readonly account: string }) & ClearOutcome;

/** The ledger's listing with times as ISO strings, for people. */
export type LockoutListView = Omit<AuthGuardListing, 'lockouts'> & {
  readonly now: string;
  readonly lockouts: readonly (Omit<AuthGuardListing['lockouts'][number], 'since' | 'until'> & {
    readonly since: string;
    readonly until: string;
  })[];
};

/**
 * SMTP AUTH lockouts for operators: the filter counts AUTH failures and starts lockouts in the counter store
 * (COUNTERS: Redis in production; in the embedded launcher the filter's in-memory store, shared with this process);
 * this lists them and clears them for one IP or one account, through the same ledger, so both read one key layout.
 */
@Injectable()
export class AuthLockoutsService {
  private readonly logger = new Logger('AuthLockouts');
  private readonly ledger: AuthGuardLedger;

  constructor(
    @Inject(CounterStore) store: CounterStore,
    @Inject(API_APP_CONFIG) config: AppConfig,
    private readonly notices: OperatorNotices,
  ) {
    this.ledger = new AuthGuardLedger(store, config.authGuard);
  }

  async list(limit: number): Promise<LockoutListView> {
    const listing = await this.unavailableOnError(() => this.ledger.list(limit));
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      now: new Date().toISOString(),
      ...listing,
      lockouts: listing.lockouts.map((l) => ({ ...l, since: iso(l.since), until: iso(l.until) })),
    };
  }

  /** Ends a lockout and forgets the failures behind it; the reason is logged and sent as an operator notice. */
  async clear(body: AuthLockoutClearBody, actor: string): Promise<ClearedView> {
    let view: ClearedView;
    if (body.ip !== undefined) {
      const ip = clientOf(body.ip);
      if (!ip)
        throw new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: ['ip: must be an IP address (IPv6: or its /64)'],
        });
      view = { ip, ...(await this.unavailableOnError(() => this.ledger.clearClient(ip))) };
    } else {
      const account = accountOf(body.account ?? '');
      if (!account)
        throw new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: ['account: must not be empty'],
        });
      view = { account, ...(await this.unavailableOnError(() => this.ledger.clearAccount(account))) };
    }
    const subject = 'ip' in view ? view.ip : view.account;
    this.logger.log(
      `AUTH lockout of ${JSON.stringify(subject)} cleared by ${actor} (${body.reason}): ${JSON.stringify(view)}`,
    );
    await this.notices.publish('auth_lockout_cleared', subject, { ...view, actor, reason: body.reason });
    return view;
  }

  private async unavailableOnError<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new ServiceUnavailableException(
        `counter store unavailable: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
