import { BadRequestException, Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { SetSharingDto, setSharingSchema, SharingDto, type SetSharing } from './sharing.dto';
import { SharingService } from './sharing.service';

@ApiTags('sharing')
@ApiBearerAuth()
@Controller('v1')
export class SharingController {
  constructor(private readonly sharing: SharingService) {}

  @Get('me/sharing')
  @ApiOperation({
    summary:
      "Whether the caller's marks train the shared model (global layer, campaigns), and whose answer decides",
  })
  @ApiOkResponse({
    type: SharingDto,
    description: "the caller's answer, the domain's, and the one that decides",
  })
  mine(@CurrentPrincipal() principal: Principal): Promise<SharingDto> {
    return this.sharing.ofUser(principal, ownMailbox(principal));
  }

  @Put('me/sharing')
  @ApiOperation({
    summary:
      "Agree (true) or refuse (false) that the caller's marks train the shared model; null follows the domain",
  })
  @ApiBody({ type: SetSharingDto })
  @ApiOkResponse({ type: SharingDto, description: "the caller's answer after the change" })
  setMine(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(setSharingSchema)) body: SetSharing,
  ): Promise<SharingDto> {
    return this.sharing.setUser(principal, ownMailbox(principal), body);
  }

  @Get('users/:id/sharing')
  @Roles('domain_admin', 'operator')
  @ApiOperation({ summary: "Domain admins and operators: a mailbox's answer" })
  @ApiOkResponse({
    type: SharingDto,
    description: "the mailbox's answer, its domain's, and the one that decides",
  })
  ofUser(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<SharingDto> {
    return this.sharing.ofUser(principal, id);
  }

  @Get('domains/:name/sharing')
  @ApiOperation({ summary: "A domain's policy on sharing its users' marks" })
  @ApiOkResponse({ type: SharingDto, description: "the domain's policy" })
  ofDomain(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<SharingDto> {
    return this.sharing.ofDomain(principal, name);
  }

  @Put('domains/:name/sharing')
  @Roles('domain_admin', 'operator')
  @ApiOperation({
    summary:
      "Domain admins and operators: the domain's policy (users without an answer of their own follow it)",
  })
  @ApiBody({ type: SetSharingDto })
  @ApiOkResponse({ type: SharingDto, description: "the domain's policy after the change" })
  setDomain(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body(new ZodPipe(setSharingSchema)) body: SetSharing,
  ): Promise<SharingDto> {
    return this.sharing.setDomain(principal, name, body);
  }
}

function ownMailbox(principal: Principal): string {
  if (!principal.userId) throw new BadRequestException('this key has no mailbox: use /v1/users/{id}/sharing');
  return principal.userId;
}
