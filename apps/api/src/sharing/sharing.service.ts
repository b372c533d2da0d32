import { ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import {
  DomainEntity,
  OutboxRepository,
  SharingConsentEntity,
  UserAccountEntity,
  queryRows,
  runInTransaction,
} from '@spamfilter/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { effectiveConsent } from '../consumers/agreement-rules';
import { mailboxOwnerOf, mayActFor, type Principal } from '../guards/principal';
import { FEEDBACK_TOPIC, type FeedbackPayload } from '../services/feedback-payload';
import { OutboxRelayService } from '../services/outbox-relay.service';
import type { SetSharing, SharingDto } from './sharing.dto';

/**
 * Consent to share marks (issue "Users train it where they read mail", part 7): a user's marks train the shared model
 * — the global layer and campaigns — only when the user, or their domain's policy, has agreed (the learner reads
 * the same rows: apps/api agreement-rules effectiveConsent). Without it a mark trains that user's own layer only.
 * A change applies to the marks the learner handles after it; withdrawing consent also takes back what the user's
 * earlier marks gave the shared model (an `unshare` event to the learner).
 */
@Injectable()
export class SharingService {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelayService,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async ofUser(principal: Principal, userId: string): Promise<SharingDto> {
    const user = await this.userFor(principal, userId);
    return this.describe(user.id, user.domainId);
  }

  async setUser(principal: Principal, userId: string, body: SetSharing): Promise<SharingDto> {
    const user = await this.userFor(principal, userId);
    await this.write('user', user.id, body.share, principal);
    return this.describe(user.id, user.domainId);
  }

  async ofDomain(principal: Principal, name: string): Promise<SharingDto> {
    const domain = await this.domainFor(principal, name, false);
    return this.describe(null, domain.id);
  }

  async setDomain(principal: Principal, name: string, body: SetSharing): Promise<SharingDto> {
    const domain = await this.domainFor(principal, name, true);
    await this.write('domain', domain.id, body.share, principal);
    return this.describe(null, domain.id);
  }

  /** The caller's own mailbox, or one they may act for; 404 otherwise (no oracle for who exists). */
  private async userFor(principal: Principal, userId: string): Promise<UserAccountEntity> {
    const user = await this.db.getRepository(UserAccountEntity).findOneBy({ id: userId });
    if (!user || !mayActFor(principal, mailboxOwnerOf(user)))
      throw new NotFoundException(`no mailbox ${userId} you may act for`);
    return user;
  }

  /** A domain its admins and operators may set, and its users see; anyone else gets 404. */
  private async domainFor(principal: Principal, name: string, write: boolean): Promise<DomainEntity> {
    const domain = await this.db.getRepository(DomainEntity).findOneBy({ name: name.toLowerCase() });
    const own = domain !== null && principal.domain === domain.name && principal.tenantId === domain.tenantId;
    if (!domain || (principal.role !== 'operator' && !own))
      throw new NotFoundException(`no domain ${name} of yours`);
    if (write && principal.role === 'user')
      throw new ForbiddenException(
        "users set their own answer (PUT /v1/me/sharing); the domain's policy is its admins'",
      );
    return domain;
  }

  /**
   * Stores the answer and, in the same transaction, an `unshare` event (outbox → the learner) for every user it stops
   * sharing for: the learner takes their marks back out of the shared model (learner.service unshare).
   */
  private async write(
    scope: 'user' | 'domain',
    scopeId: string,
    share: boolean | null,
    principal: Principal,
  ): Promise<void> {
    const now = new Date();
    const withdrawn = await runInTransaction(this.db, async (m) => {
      const before = await this.sharingOf(m, scope, scopeId);
      const repo = m.getRepository(SharingConsentEntity);
      if (share === null) await repo.delete({ scope, scopeId });
      else await repo.save({ scope, scopeId, share, updatedAt: now, updatedBy: principal.keyPrefix });
      const after = await this.sharingOf(m, scope, scopeId);
      const stopped = before.filter((u) => u.share && after.find((a) => a.id === u.id)?.share === false);
      for (const u of stopped) {
        const event: FeedbackPayload = {
          eventId: randomUUID(),
          userId: u.id,
          tenantId: u.tenantId,
          kind: 'unshare',
          label: null,
          reference: null,
          messageId: '',
          occurredAt: now.toISOString(),
        };
        await this.outbox.add(m, { topic: FEEDBACK_TOPIC, key: u.id, payload: event }, now);
      }
      return stopped.length;
    });
    if (withdrawn > 0) this.relay.kick();
  }

  /** The effective answer of the users a change of this scope touches (one user, or a domain's users). */
  private async sharingOf(
    m: EntityManager,
    scope: 'user' | 'domain',
    scopeId: string,
  ): Promise<{ id: string; tenantId: string; share: boolean }[]> {
    const rows = await queryRows<{
      id: string;
      tenant_id: string;
      user_share: boolean | number | null;
      domain_share: boolean | number | null;
    }>(
      m,
      `SELECT u.id, u.tenant_id, cu.share AS user_share, cd.share AS domain_share FROM user_account u
         LEFT JOIN sharing_consent cu ON cu.scope = 'user' AND cu.scope_id = u.id
         LEFT JOIN sharing_consent cd ON cd.scope = 'domain' AND cd.scope_id = u.domain_id
        WHERE ${scope === 'user' ? 'u.id' : 'u.domain_id'} = :id`,
      { id: scopeId },
    );
    const bool = (v: boolean | number | null): boolean | null => (v === null ? null : v === true || v === 1);
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      share: effectiveConsent({
        user: bool(r.user_share),
        domain: bool(r.domain_share),
        installation: this.config.learner.shareDefault,
      }).share,
    }));
  }

  private async describe(userId: string | null, domainId: string): Promise<SharingDto> {
    const repo = this.db.getRepository(SharingConsentEntity);
    const own = userId ? await repo.findOneBy({ scope: 'user', scopeId: userId }) : null;
    const domain = await repo.findOneBy({ scope: 'domain', scopeId: domainId });
    const installation = this.config.learner.shareDefault;
    const c = userId
      ? effectiveConsent({ user: own?.share ?? null, domain: domain?.share ?? null, installation })
      : effectiveConsent({ user: null, domain: domain?.share ?? null, installation });
    const deciding = c.source === 'user' ? own : c.source === 'domain' ? domain : null;
    return {
      share: c.share,
      source: c.source,
      user: userId ? (own?.share ?? null) : null,
      domain: domain?.share ?? null,
      installation,
      updatedAt: deciding ? deciding.updatedAt.toISOString() : null,
    };
  }
}
