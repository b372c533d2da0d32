import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateUserDto,
  createUserSchema,
  IssuedKeyDto,
  IssuedMailboxKeyDto,
  IssueKeyDto,
  issueKeySchema,
  IssueMailboxKeyDto,
  issueMailboxKeySchema,
  UserDto,
  type CreateUser,
  type IssueKey,
  type IssueMailboxKey,
} from '../dtos/user.dto';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { UsersService } from '../services/users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({ summary: 'Who the presented key belongs to' })
  @ApiOkResponse({ type: UserDto, description: 'The caller' })
  me(@CurrentPrincipal() principal: Principal): UserDto {
    return {
      id: principal.userId,
      address: principal.address,
      tenantId: principal.tenantId,
      role: principal.role,
    };
  }

  @Post('users')
  @Roles('operator', 'domain_admin')
  @ApiOperation({
    summary:
      'Operators: create a user in any domain (a new domain is hosted for tenantId; 404 for an unknown tenant); domain admins: a user of their domain',
  })
  @ApiBody({ type: CreateUserDto })
  @ApiCreatedResponse({ type: UserDto, description: 'The user' })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(createUserSchema)) body: CreateUser,
  ): Promise<UserDto> {
    return this.users.create(principal, body);
  }

  @Post('users/:id/keys')
  @Roles('operator', 'domain_admin')
  @ApiOperation({
    summary:
      'Issue an API key for a user (shown once): operators any role, domain admins user keys of their domain',
  })
  @ApiBody({ type: IssueKeyDto })
  @ApiCreatedResponse({ type: IssuedKeyDto, description: 'The key, with its token shown this once' })
  issueKey(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodPipe(issueKeySchema)) body: IssueKey,
  ): Promise<IssuedKeyDto> {
    return this.users.issueKey(principal, id, body);
  }

  @Post('mailbox-keys')
  @Roles('operator')
  @ApiOperation({
    summary:
      "Operators: issue a mailbox service key (shown once) for a mail store's Junk hook: it may only mark, for the users of one domain or of one tenant",
  })
  @ApiBody({ type: IssueMailboxKeyDto })
  @ApiCreatedResponse({
    type: IssuedMailboxKeyDto,
    description: 'The mailbox service key, with its token shown this once',
  })
  issueMailboxKey(
    @Body(new ZodPipe(issueMailboxKeySchema)) body: IssueMailboxKey,
  ): Promise<IssuedMailboxKeyDto> {
    return this.users.issueMailboxKey(body);
  }

  @Delete('keys/:id')
  @Roles('operator')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiOperation({ summary: 'Operators: revoke an API key' })
  async revokeKey(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<void> {
    await this.users.revokeKey(principal, id);
  }
}
