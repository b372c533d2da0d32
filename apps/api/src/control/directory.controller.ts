import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { ApiZodOperation } from '../openapi/zod-openapi';
import {
  domainCreateSchema,
  domainListQuerySchema,
  domainParam,
  domainPatchSchema,
  domainViewSchema,
  tenantCreateSchema,
  tenantViewSchema,
  type DomainCreate,
} from './control.dto';
import { DirectoryService } from './directory.service';

/** Tenants (operators) and hosted domains (operators create and remove them; domain admins see and set theirs). */
@ApiTags('tenants and domains')
@ApiBearerAuth()
@Controller('v1')
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Post('tenants')
  @Roles('operator')
  @ApiZodOperation({
    summary: 'Operators: create a tenant (a customer or reseller owning domains)',
    body: tenantCreateSchema,
    response: tenantViewSchema,
    status: 201,
  })
  createTenant(
    @CurrentPrincipal() p: Principal,
    @Body(new ZodPipe(tenantCreateSchema)) body: { name: string },
  ) {
    return this.directory.createTenant(p, body.name);
  }

  @Get('tenants')
  @Roles('operator')
  @ApiZodOperation({ summary: 'Operators: every tenant', response: z.array(tenantViewSchema) })
  tenants() {
    return this.directory.listTenants();
  }

  @Post('domains')
  @Roles('operator')
  @ApiZodOperation({
    summary:
      'Operators: host a domain for a tenant; Haraka accepts its mail at once (404 for an unknown tenant)',
    body: domainCreateSchema,
    response: domainViewSchema,
    status: 201,
  })
  createDomain(@CurrentPrincipal() p: Principal, @Body(new ZodPipe(domainCreateSchema)) body: DomainCreate) {
    return this.directory.createDomain(p, body);
  }

  @Get('domains')
  @Roles('operator', 'domain_admin')
  @ApiZodOperation({
    summary: 'Hosted domains: operators every one (or ?tenantId=), domain admins their own',
    query: domainListQuerySchema,
    response: z.array(domainViewSchema),
  })
  domains(
    @CurrentPrincipal() p: Principal,
    @Query(new ZodPipe(domainListQuerySchema)) q: { tenantId?: string },
  ) {
    return this.directory.listDomains(p, q.tenantId);
  }

  @Patch('domains/:name')
  @Roles('operator', 'domain_admin')
  @ApiZodOperation({
    summary: 'Refuse (reject) or accept mail for addresses of the domain that have no user here',
    body: domainPatchSchema,
    response: domainViewSchema,
  })
  updateDomain(
    @CurrentPrincipal() p: Principal,
    @Param('name', new ZodPipe(domainParam)) name: string,
    @Body(new ZodPipe(domainPatchSchema)) body: { unknownRecipients: 'accept' | 'reject' },
  ) {
    return this.directory.updateDomain(p, name, body.unknownRecipients);
  }

  @Delete('domains/:name')
  @Roles('operator')
  @HttpCode(204)
  @ApiZodOperation({
    summary:
      'Operators: stop hosting a domain (its users, keys, lists and policies go); its mail is refused as relaying',
    status: 204,
  })
  async removeDomain(
    @CurrentPrincipal() p: Principal,
    @Param('name', new ZodPipe(domainParam)) name: string,
  ): Promise<void> {
    await this.directory.removeDomain(p, name);
  }
}
