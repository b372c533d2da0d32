import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ACTIONS, DISPOSITIONS, type Disposition } from '@spamfilter/domain';
import { z } from 'zod';

export const listVerdictsSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** Opaque cursor from the previous page's `next`. */
    before: z.string().max(200).optional(),
    /** Domain admins and operators: whose verdicts. */
    user: z.string().trim().toLowerCase().optional(),
    /** Search (the console): part of the sender (From header or envelope sender), part of the subject, a time range. */
    sender: z.string().trim().toLowerCase().min(1).max(320).optional(),
    subject: z.string().trim().toLowerCase().min(1).max(500).optional(),
    from: z.string().datetime({ offset: true }).optional(),
    to: z.string().datetime({ offset: true }).optional(),
    action: z.enum(ACTIONS).optional(),
  })
  .strict();
export type ListVerdicts = z.infer<typeof listVerdictsSchema>;

export class VerdictSymbolDto {
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'auth, connection, lists, content, bayes, …' }) group!: string;
  @ApiProperty({ description: 'What it added to (or took from) the score' }) score!: number;
  @ApiProperty({ description: 'What the symbol means' }) description!: string;
  @ApiProperty({ type: [String], description: 'What was seen (a list entry, a host, a probability)' })
  options!: string[];
}

export class VerdictDto {
  @ApiProperty() reference!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() recipient!: string;
  @ApiProperty({ nullable: true, type: String }) sender!: string | null;
  @ApiProperty({ nullable: true, type: String }) subject!: string | null;
  @ApiProperty() action!: string;
  @ApiProperty() score!: number;
  @ApiProperty({ description: 'One line a person can read' }) reason!: string;
  @ApiProperty({
    type: [VerdictSymbolDto],
    description: 'Every symbol that scored this copy, strongest first',
  })
  symbols!: VerdictSymbolDto[];
  @ApiProperty({
    enum: DISPOSITIONS,
    nullable: true,
    description:
      "What was done with this recipient's copy: delivered, tagged (Junk), quarantined, held, released, refused, deferred; null on records older than dispositions",
  })
  disposition!: Disposition | null;
  @ApiProperty({
    enum: ['spam', 'ham'],
    nullable: true,
    description: "The user's current mark on this message",
  })
  mark!: 'spam' | 'ham' | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'ID of that mark (DELETE /v1/marks/{id} undoes it)',
  })
  markId!: string | null;
}

export class VerdictPageDto {
  @ApiProperty({ type: [VerdictDto] }) items!: VerdictDto[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Pass as ?before= for the next page' })
  next!: string | null;
}
