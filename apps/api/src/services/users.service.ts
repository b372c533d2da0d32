import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { ApiKeyEntity, DomainEntity, TenantEntity, UserAccountEntity } from '@spamfilter/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { ControlChanges } from '../control/control-changes';
import type {
  CreateUser,
  IssuedKeyDto,
  IssuedMailboxKeyDto,
  IssueKey,
  IssueMailboxKey,
  UserDto,
} from '../dtos/user.dto';
import { domainOf, mayActFor, mailboxOwnerOf, type Principal } from '../guards/principal';
import { generateApiKey } from './api-key.codec';
import { AuthService } from './auth.service';

/**
 * Operators create mailbox users (in any domain; a new domain is hosted for the given tenant) and issue or revoke
 * keys; domain admins create their own domain's users and issue them user keys. Every change is in the audit log,
 * and a new mailbox reaches the filters' recipient directory at once (a 'directory' change).
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly db: DataSource,
    private readonly auth: AuthService,
    @Inject(ControlChanges) private readonly changes: ControlChanges,
  ) {}

  async create(principal: Principal, body: CreateUser): Promise<UserDto> {
    const name = domainOf(body.address);
    if (
      principal.role === 'domain_admin' &&
      (principal.domain !== name || (body.tenantId && body.tenantId !== principal.tenantId))
    )
      throw new ForbiddenException(
        `a domain admin creates users of ${principal.domain ?? 'their domain'} only`,
      );
    return this.changes.apply(principal, async (m) => {
      const users = m.getRepository(UserAccountEntity);
      if (await users.findOneBy({ address: body.address }))
        throw new ConflictException(`user ${body.address} exists`);
      // A clear 404 for an unknown tenant: the foreign key would otherwise fail the insert with a 500.
      if (body.tenantId && !(await m.getRepository(TenantEntity).findOneBy({ id: body.tenantId })))
        throw new NotFoundException(`tenantId: no tenant ${body.tenantId}`);
      const domains = m.getRepository(DomainEntity);
      let domain = await domains.findOneBy({ name });
      if (!domain) {
        if (principal.role !== 'operator') throw new NotFoundException(`no domain ${name} served here`);
        domain = domains.create({
          id: randomUUID(),
          tenantId: body.tenantId ?? principal.tenantId,
          name,
          createdAt: new Date(),
          unknownRecipients: null,
        });
        await domains.insert(domain);
      } else if (body.tenantId && body.tenantId !== domain.tenantId) {
        throw new BadRequestException(`tenantId: domain ${name} belongs to another tenant`);
      } else if (principal.role === 'domain_admin' && domain.tenantId !== principal.tenantId) {
        throw new ForbiddenException(`a domain admin creates users of their own tenant's domain only`);
      }
      const user = users.create({
        id: randomUUID(),
        tenantId: domain.tenantId,
        domainId: domain.id,
        address: body.address,
        displayName: body.displayName ?? null,
        createdAt: new Date(),
      });
      await users.insert(user);
      const view: UserDto = { id: user.id, address: user.address, tenantId: user.tenantId };
      return {
        result: view,
        audit: {
          tenantId: user.tenantId,
          subject: 'user',
          subjectId: user.address,
          action: 'create',
          before: null,
          after: view,
        },
        change: { kind: 'directory', userId: user.id, payload: { mailbox: user.address, domain: name } },
      };
    });
  }

  async issueKey(principal: Principal, userId: string, body: IssueKey): Promise<IssuedKeyDto> {
    const user = await this.db.getRepository(UserAccountEntity).findOneBy({ id: userId });
    if (!user || !mayActFor(principal, mailboxOwnerOf(user)))
      throw new NotFoundException(`no user ${userId}`);
    if (principal.role !== 'operator' && body.role !== 'user')
      throw new ForbiddenException('a domain admin issues user keys only');
    const key = generateApiKey();
    const id = randomUUID();
    return this.changes.apply(principal, async (m) => {
      await m.getRepository(ApiKeyEntity).insert({
        id,
        keyPrefix: key.prefix,
        secretHash: key.secretHash,
        role: body.role,
        label: body.label ?? null,
        userId: user.id,
        tenantId: user.tenantId,
        domainId: body.role === 'domain_admin' ? user.domainId : null,
        createdAt: new Date(),
        lastUsedAt: null,
        revokedAt: null,
      });
      const issued = { id, prefix: key.prefix, role: body.role, userId: user.id };
      return {
        result: { ...issued, token: key.token },
        // Never the token: the audit log shows which key, not the secret.
        audit: {
          tenantId: user.tenantId,
          subject: 'api_key',
          subjectId: id,
          action: 'issue',
          before: null,
          after: { ...issued, user: user.address, label: body.label ?? null },
        },
      };
    });
  }

  /**
   * A mailbox service key: the credential a mail store's Junk hook (dovecot/) marks with on behalf of the users of
   * one domain, or of every domain of a tenant. It owns no mailbox and the guard lets it call only the marking
   * routes, so the key on every mail store host can train its users' filters and do nothing else.
   */
  async issueMailboxKey(body: IssueMailboxKey): Promise<IssuedMailboxKeyDto> {
    let tenantId: string;
    let domain: DomainEntity | null = null;
    if (body.domain !== undefined) {
      domain = await this.db.getRepository(DomainEntity).findOneBy({ name: body.domain });
      if (!domain) throw new NotFoundException(`no domain ${body.domain}`);
      tenantId = domain.tenantId;
    } else {
      const tenant = await this.db.getRepository(TenantEntity).findOneBy({ id: body.tenantId as string });
      if (!tenant) throw new NotFoundException(`no tenant ${body.tenantId as string}`);
      tenantId = tenant.id;
    }
    const key = generateApiKey();
    const id = randomUUID();
    await this.db.getRepository(ApiKeyEntity).insert({
      id,
      keyPrefix: key.prefix,
      secretHash: key.secretHash,
      role: 'mailbox_service',
      label: body.label ?? null,
      userId: null,
      tenantId,
      domainId: domain?.id ?? null,
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    return {
      id,
      prefix: key.prefix,
      token: key.token,
      role: 'mailbox_service',
      tenantId,
      domain: domain?.name ?? null,
    };
  }

  async revokeKey(principal: Principal, id: string): Promise<void> {
    const key = await this.db.getRepository(ApiKeyEntity).findOneBy({ id, revokedAt: IsNull() });
    if (!key) throw new NotFoundException(`no active key ${id}`);
    await this.changes.apply(principal, async (m) => {
      const result = await m
        .getRepository(ApiKeyEntity)
        .update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
      if (!result.affected) throw new NotFoundException(`no active key ${id}`);
      return {
        result: undefined,
        audit: {
          tenantId: key.tenantId,
          subject: 'api_key',
          subjectId: id,
          action: 'revoke',
          before: { id, prefix: key.keyPrefix, role: key.role, userId: key.userId },
          after: null,
        },
      };
    });
    this.auth.forgetKey(id);
  }
}
