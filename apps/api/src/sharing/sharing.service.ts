import { ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import { DomainEntity, SharingConsentEntity, UserAccountEntity, runInTransaction } from '@spamfilter/persistence';
import { DataSource } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { effectiveConsent } from '../consumers/agreement-rules';
import { mailboxOwnerOf, mayActFor, type Principal } from '../guards/principal';
import type { SetSharing, SharingDto } from './sharing.dto';

/**
 * Consent to share marks (issue "Users train it where they read mail", part 7): a user's marks train the shared model
 * — the global layer and campaigns — only when the user, or their domain's policy, has agreed (the learner reads
 * the same rows: apps/api agreement-rules effectiveConsent). Without it a mark trains that user's own layer only.
 * A change applies to the marks the learner handles after it; what earlier marks added to the shared model stays.
 */
@Injectable()
export class SharingService {
  constructor(
    private readonly db: DataSource,
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
    if (!user || !mayActFor(principal, mailboxOwnerOf(user))) throw new NotFoundException(`no mailbox ${userId} you may act for`);
    return user;
  }

  /** A domain its admins and operators may set, and its users see; anyone else gets 404. */
  private async domainFor(principal: Principal, name: string, write: boolean): Promise<DomainEntity> {
    const domain = await this.db.getRepository(DomainEntity).findOneBy({ name: name.toLowerCase() });
    const own = domain !== null && principal.domain === domain.name && principal.tenantId === domain.tenantId;
    if (!domain || (principal.role !== 'operator' && !own)) throw new NotFoundException(`no domain ${name} of yours`);
    if (write && principal.role === 'user')
      throw new ForbiddenException("users set their own answer (PUT /v1/me/sharing); the domain's policy is its admins'");
    return domain;
  }

  private async write(scope: 'user' | 'domain', scopeId: string, share: boolean | null, principal: Principal): Promise<void> {
    await runInTransaction(this.db, async (m) => {
      const repo = m.getRepository(SharingConsentEntity);
      if (share === null) await repo.delete({ scope, scopeId });
      else await repo.save({ scope, scopeId, share, updatedAt: new Date(), updatedBy: principal.keyPrefix });
    });
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
