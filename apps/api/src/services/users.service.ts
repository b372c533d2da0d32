import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import {
  ApiKeyEntity,
  DomainEntity,
  TenantEntity,
  UserAccountEntity,
  runInTransaction,
} from '@spamfilter/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import type {
  CreateUser,
  IssuedKeyDto,
  IssuedMailboxKeyDto,
  IssueKey,
  IssueMailboxKey,
  UserDto,
} from '../dtos/user.dto';
import { domainOf, type Principal } from '../guards/principal';
import { generateApiKey } from './api-key.codec';
import { AuthService } from './auth.service';

/** Operators create mailbox users and issue or revoke their keys. */
@Injectable()
export class UsersService {
  constructor(
    private readonly db: DataSource,
    private readonly auth: AuthService,
  ) {}

  async create(principal: Principal, body: CreateUser): Promise<UserDto> {
    return runInTransaction(this.db, async (m) => {
      const users = m.getRepository(UserAccountEntity);
      if (await users.findOneBy({ address: body.address }))
        throw new ConflictException(`user ${body.address} exists`);
      const domains = m.getRepository(DomainEntity);
      const name = domainOf(body.address);
      let domain = await domains.findOneBy({ name });
      if (!domain) {
        domain = domains.create({
          id: randomUUID(),
          tenantId: body.tenantId ?? principal.tenantId,
          name,
          createdAt: new Date(),
        });
        await domains.insert(domain);
      } else if (body.tenantId && body.tenantId !== domain.tenantId) {
        throw new BadRequestException(`tenantId: domain ${name} belongs to another tenant`);
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
      return { id: user.id, address: user.address, tenantId: user.tenantId };
    });
  }

  async issueKey(userId: string, body: IssueKey): Promise<IssuedKeyDto> {
    const user = await this.db.getRepository(UserAccountEntity).findOneBy({ id: userId });
    if (!user) throw new NotFoundException(`no user ${userId}`);
    const key = generateApiKey();
    const id = randomUUID();
    await this.db.getRepository(ApiKeyEntity).insert({
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
    return { id, prefix: key.prefix, token: key.token, role: body.role, userId: user.id };
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

  async revokeKey(id: string): Promise<void> {
    const result = await this.db
      .getRepository(ApiKeyEntity)
      .update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) throw new NotFoundException(`no active key ${id}`);
    this.auth.forgetKey(id);
  }
}
