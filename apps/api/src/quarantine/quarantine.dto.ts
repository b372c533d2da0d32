import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';

export const listQuarantineSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.string().max(200).optional(),
    direction: z.enum(['inbound', 'outbound']).optional(),
    status: z.enum(['kept', 'released', 'all']).default('kept'),
    /** Domain admins and operators: one user's quarantine (address). */
    user: z.string().trim().toLowerCase().optional(),
  })
  .strict();
export type ListQuarantine = z.infer<typeof listQuarantineSchema>;

export const releaseSchema = z
  .object({
    /** Also mark the message "not spam" for the recipient (published like POST /v1/marks). Inbound only. */
    trainHam: z.boolean().default(false),
  })
  .strict();
export type ReleaseRequest = z.infer<typeof releaseSchema>;

export class QuarantineItemDto {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'Reference of the scan that kept it (X-Spam-Reference, the message log)' })
  reference!: string;
  @ApiProperty({ enum: ['inbound', 'outbound'] }) direction!: 'inbound' | 'outbound';
  @ApiProperty({ description: 'The recipient whose copy this is (held outbound mail: its first recipient)' })
  recipient!: string;
  @ApiProperty({ type: [String], description: 'Whom a release delivers to' }) recipients!: string[];
  @ApiProperty({ description: 'Envelope sender' }) mailFrom!: string;
  @ApiProperty({ nullable: true, type: String }) from!: string | null;
  @ApiProperty({ nullable: true, type: String }) subject!: string | null;
  @ApiProperty() size!: number;
  @ApiProperty({ description: 'Why it was kept' }) reason!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ description: 'Deleted by retention after this (QUARANTINE_RETENTION_DAYS)' })
  expiresAt!: string;
  @ApiProperty({ nullable: true, type: String }) releasedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) releasedBy!: string | null;
}

export class QuarantinePageDto {
  @ApiProperty({ type: [QuarantineItemDto] }) items!: QuarantineItemDto[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Pass as ?before= for the next page' })
  next!: string | null;
}

export class QuarantineAttachmentDto {
  @ApiProperty() filename!: string;
  @ApiProperty() contentType!: string;
  @ApiProperty() size!: number;
}

export class QuarantineMessageDto extends QuarantineItemDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'string' } },
    description: 'Header fields as [name, value], decoded',
  })
  headers!: [string, string][];
  @ApiProperty({
    description: 'The text of the message (the plain-text part, or the HTML reduced to text); never HTML',
  })
  text!: string;
  @ApiProperty({ description: 'The text was cut to the preview length' }) textTruncated!: boolean;
  @ApiProperty({ description: 'The message has an HTML part (shown as text only)' }) hasHtml!: boolean;
  @ApiProperty({ type: [QuarantineAttachmentDto] }) attachments!: QuarantineAttachmentDto[];
}

export class ReleaseResultDto {
  @ApiProperty() id!: string;
  @ApiProperty() reference!: string;
  @ApiProperty({ type: [String] }) recipients!: string[];
  @ApiProperty({ description: "Haraka's answer to the released message" }) smtp!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The "not spam" mark, when asked for' }) markId!:
    string | null;
}
