import { ApiProperty } from '@nestjs/swagger';
import { z } from 'zod';

export const setSharingSchema = z
  .object({
    share: z
      .boolean({
        error: (issue) =>
          issue.input === undefined ? 'is required (true, false or null)' : 'must be true, false or null',
      })
      .nullable(),
  })
  .strict();
export type SetSharing = z.infer<typeof setSharingSchema>;

export class SetSharingDto {
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description:
      "true: agree that marks train the shared model; false: refuse; null: no answer of one's own (a user then follows their domain's policy)",
  })
  share!: boolean | null;
}

export class SharingDto {
  @ApiProperty({ description: 'Whether marks train the shared model now (the global layer and campaigns)' })
  share!: boolean;
  @ApiProperty({ enum: ['user', 'domain', 'installation'], description: 'Whose answer decides' }) source!:
    'user' | 'domain' | 'installation';
  @ApiProperty({ nullable: true, type: Boolean, description: "The user's own answer (absent for a domain)" })
  user!: boolean | null;
  @ApiProperty({ nullable: true, type: Boolean, description: "The domain's policy" }) domain!: boolean | null;
  @ApiProperty({ description: "The installation's policy when neither answered (LEARNER_SHARE_DEFAULT)" })
  installation!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'When the deciding answer was last changed' })
  updatedAt!: string | null;
}
