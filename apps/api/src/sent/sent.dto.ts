import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';

export const listSentSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.string().max(200).optional(),
    /** Domain admins and operators: one sender's mail (address). */
    user: z.string().trim().toLowerCase().optional(),
  })
  .strict();
export type ListSent = z.infer<typeof listSentSchema>;

export class DeliveryAttemptDto {
  @ApiProperty({ enum: ['delivered', 'deferred', 'bounced', 'not_sent'] }) status!: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The next hop's reply code (null: it could not be reached)",
  })
  code!: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'RFC 3463 enhanced status code' }) enhanced!:
    string | null;
  @ApiProperty({ description: "The next hop's reply text" }) text!: string;
  @ApiProperty({ description: 'When the next hop answered' }) at!: string;
}

export class SentRecipientDto {
  @ApiProperty() recipient!: string;
  @ApiProperty({ description: "The filter's verdict (accept, hold, reject, …)" }) action!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'What the filter did: delivered, held, released, refused, deferred',
  })
  disposition!: string | null;
  @ApiProperty({
    enum: ['delivered', 'deferred', 'bounced', 'not_sent', 'held', 'refused', 'pending'],
    description:
      'Where the message stands for this recipient: the next hop’s latest answer, or the filter’s decision when it never left',
  })
  status!: string;
  @ApiProperty({ nullable: true, type: DeliveryAttemptDto, description: 'The latest answer of the next hop' })
  last!: DeliveryAttemptDto | null;
  @ApiProperty({ type: [DeliveryAttemptDto], description: 'Every answer, oldest first' })
  attempts!: DeliveryAttemptDto[];
}

export class SentMessageDto {
  @ApiProperty() reference!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() mailFrom!: string;
  @ApiProperty({ nullable: true, type: String }) subject!: string | null;
  @ApiProperty({ description: "The filter's verdict for the message" }) action!: string;
  @ApiProperty({ type: [SentRecipientDto] }) recipients!: SentRecipientDto[];
}

export class SentPageDto {
  @ApiProperty({ type: [SentMessageDto] }) items!: SentMessageDto[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Pass as ?before= for the next page' })
  next!: string | null;
}
