import { Entity, Index, PrimaryColumn } from 'typeorm';
import {
  ADDRESS_LENGTH,
  BooleanColumn,
  IdColumn,
  IntegerColumn,
  RefColumn,
  TextColumn,
  TimestampColumn,
  VarcharColumn,
} from '../entities/column-types';

/**
 * What the learner trained for one mark (one row per handled learn event): the user's layer always, the global
 * layer only when the per-user caps allowed it. Undo and corrections read it to know what to remove (the tokens
 * themselves are in the scopes' bayes_trained rows, written once); the sender-block rule and the global caps count it.
 */
@Entity('learner_training')
@Index('idx_learner_training_user_message', ['userId', 'messageFingerprint'])
@Index('idx_learner_training_user_sender', ['userId', 'sender'])
@Index('idx_learner_training_global', ['trainedGlobal', 'userId', 'createdAt'])
export class LearnerTrainingEntity {
  /** The FeedbackEvent's id. */
  @IdColumn() eventId!: string;
  @RefColumn() userId!: string;
  @VarcharColumn(64) messageFingerprint!: string;
  @VarcharColumn(8) label!: 'spam' | 'ham';
  @VarcharColumn(ADDRESS_LENGTH, { nullable: true }) sender!: string | null;
  @BooleanColumn() listMail!: boolean;
  @BooleanColumn() trainedGlobal!: boolean;
  /** Why the global layer was not trained (cap, list preference), for operators. */
  @TextColumn({ nullable: true }) note!: string | null;
  @TimestampColumn() createdAt!: Date;
  @TimestampColumn({ nullable: true }) undoneAt!: Date | null;
}

/** The version of each Bayes scope's counts, bumped in the training transaction; filters detect gaps with it. */
@Entity('learner_scope_version')
export class LearnerScopeVersionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) scope!: string;
  @IntegerColumn() version!: number;
}
