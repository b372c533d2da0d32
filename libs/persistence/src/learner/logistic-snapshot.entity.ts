import { Entity, PrimaryColumn } from 'typeorm';
import { IntegerColumn, JsonColumn, TimestampColumn } from '../entities/column-types';

/**
 * One snapshot of the global logistic component (apps/api LogisticTrainer writes it, every filter loads the newest).
 * Its weights are in logistic_snapshot_weights (same version): a binary column — `bytea` on PostgreSQL, `blob` on
 * SQLite — which no single TypeORM column type maps to on both drivers, so that table has no entity and is read and
 * written with SQL by LogisticSnapshotRepository (TypeORM's schema builder, and the drift tests, leave tables without
 * an entity alone).
 */
@Entity('logistic_snapshot')
export class LogisticSnapshotEntity {
  @PrimaryColumn({ type: 'integer' }) version!: number;
  /** libs/bayes LogisticModelConfig: the features and training options of the weights. */
  @JsonColumn() config!: unknown;
  /** Global trainings the weights were trained on, and of each class. */
  @IntegerColumn() trainedCount!: number;
  @IntegerColumn() spam!: number;
  @IntegerColumn() ham!: number;
  /** learner_scope_version of the global layer when the training set was read. */
  @IntegerColumn() globalVersion!: number;
  @TimestampColumn() createdAt!: Date;
}
