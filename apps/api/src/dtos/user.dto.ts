import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';
import { API_ROLES } from '../guards/principal';

export const createUserSchema = z
  .object({
    address: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be a mail address'),
    /** Needed when the address's domain is new; otherwise the domain's tenant is used. */
    tenantId: z.string().trim().uuid().optional(),
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
  .object({ role: z.enum(API_ROLES).default('user'), label: z.string().max(255).optional() })
  .strict();
export type IssueKey = z.infer<typeof issueKeySchema>;

export class IssueKeyDto {
  @ApiPropertyOptional({
    enum: API_ROLES,
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
