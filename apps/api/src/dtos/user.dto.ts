import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';
import { API_ROLES, USER_KEY_ROLES } from '../guards/principal';

export const createUserSchema = z
  .object({
    address: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be a mail address'),
    /** Needed when the address's domain is new; otherwise the domain's tenant is used. */
    tenantId: z.string().trim().check(z.guid('must be a UUID')).optional(),
    displayName: z.string().trim().max(255).optional(),
  })
  .strict();
export type CreateUser = z.infer<typeof createUserSchema>;

export class CreateUserDto {
  @ApiProperty({ example: 'alice@example.org' }) address!: string;
  @ApiPropertyOptional({
    description: "Tenant of the address's domain when that domain is new (default: the caller's tenant)",
  })
  tenantId?: string;
  @ApiPropertyOptional() displayName?: string;
}

export const issueKeySchema = z
  .object({ role: z.enum(USER_KEY_ROLES).default('user'), label: z.string().max(255).optional() })
  .strict();
export type IssueKey = z.infer<typeof issueKeySchema>;

export class IssueKeyDto {
  @ApiPropertyOptional({
    enum: USER_KEY_ROLES,
    default: 'user',
    description: "domain_admin keys administer the user's domain",
  })
  role?: string;
  @ApiPropertyOptional() label?: string;
}

export class UserDto {
  @ApiProperty({ nullable: true, type: String }) id!: string | null;
  @ApiProperty({ nullable: true, type: String }) address!: string | null;
  @ApiProperty() tenantId!: string;
  @ApiPropertyOptional({ enum: API_ROLES, description: 'Role of the presented key (GET /v1/me)' })
  role?: string;
}

export class IssuedKeyDto {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'Key prefix (shown in lists and logs)' }) prefix!: string;
  @ApiProperty({ description: 'The full key; shown once, only its hash is stored' }) token!: string;
  @ApiProperty({ enum: API_ROLES }) role!: string;
  @ApiProperty() userId!: string;
}

export const issueMailboxKeySchema = z
  .object({
    domain: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be a domain name')
      .optional(),
    tenantId: z.string().trim().check(z.guid('must be a UUID')).optional(),
    label: z.string().max(255).optional(),
  })
  .strict()
  .refine((b) => (b.domain === undefined) !== (b.tenantId === undefined), {
    error: 'name exactly one of domain (its users) or tenantId (every domain of the tenant)',
  });
export type IssueMailboxKey = z.infer<typeof issueMailboxKeySchema>;

export class IssueMailboxKeyDto {
  @ApiPropertyOptional({
    description: 'The hosted domain whose users the mail store reports for (or give tenantId)',
    example: 'example.net',
  })
  domain?: string;
  @ApiPropertyOptional({ description: 'Every domain of this tenant (one mail store serving a whole tenant)' })
  tenantId?: string;
  @ApiPropertyOptional({ example: 'dovecot imap1.example.net' }) label?: string;
}

export class IssuedMailboxKeyDto {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'Key prefix (shown in lists and logs)' }) prefix!: string;
  @ApiProperty({ description: 'The full key; shown once, only its hash is stored' }) token!: string;
  @ApiProperty({ enum: ['mailbox_service'] }) role!: 'mailbox_service';
  @ApiProperty() tenantId!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null: every domain of the tenant' })
  domain!: string | null;
}
