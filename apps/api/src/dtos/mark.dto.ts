import { BadRequestException } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REFERENCE_ID_PATTERN } from '@spamfilter/domain';
import { z } from 'zod';

const label = z.enum(['spam', 'ham'], { error: 'must be "spam" or "ham"' });
const address = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be a mail address');

export const createMarkSchema = z
  .object({
    reference: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : undefined) })
      .trim()
      .toUpperCase()
      .regex(REFERENCE_ID_PATTERN, 'must be a 26-character reference ID (X-Spam-Reference)'),
    label,
    recipient: address.optional(),
  })
  .strict();
export type CreateMark = z.infer<typeof createMarkSchema>;

export class CreateMarkDto {
  @ApiProperty({
    description: 'Reference ID of the scan (X-Spam-Reference header or the message log)',
    example: '01JD3Z4Q5R6S7T8V9W0X1Y2Z3A',
  })
  reference!: string;
  @ApiProperty({ enum: ['spam', 'ham'] })
  label!: 'spam' | 'ham';
  @ApiPropertyOptional({
    description:
      'Whose copy is marked, when the caller is a domain admin or operator and the message had several recipients',
  })
  recipient?: string;
}

export const rawMarkQuerySchema = z
  .object({ label: label.default('spam'), recipient: address.optional() })
  .strict();
export type RawMarkQuery = z.infer<typeof rawMarkQuerySchema>;

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/** The Idempotency-Key header of a raw mark: absent, or one key per reported move; anything else is a 400. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header === 'string' && IDEMPOTENCY_KEY.test(header)) return header;
  throw new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: ['Idempotency-Key: one key of 1–128 characters A–Z a–z 0–9 . _ : -'],
  });
}

export class MarkDto {
  @ApiProperty({ description: 'Mark ID (use it to undo)' }) id!: string;
  @ApiProperty({ description: 'ID of the FeedbackEvent published for this mark' }) eventId!: string;
  @ApiProperty({ description: 'Whose mailbox the mark trains' }) userId!: string;
  @ApiProperty({ enum: ['spam', 'ham'] }) label!: 'spam' | 'ham';
  @ApiProperty({ nullable: true, type: String }) reference!: string | null;
  @ApiProperty({
    description: 'Fingerprint of the message (corrections and undo find the earlier training by it)',
  })
  messageId!: string;
  @ApiProperty({ enum: ['accepted', 'undone'] }) status!: 'accepted' | 'undone';
  @ApiProperty() createdAt!: string;
}
