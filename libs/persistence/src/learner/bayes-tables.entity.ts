import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { IntegerColumn, JsonColumn, TimestampColumn, VarcharColumn } from '../entities/column-types';

/*
 * The Bayes model's tables (libs/bayes BayesStore port, TypeORM adapter in typeorm-bayes.store.ts). Token ids are
 * libs/bayes' unsigned 32-bit hashes stored as signed `integer` (id | 0), so one column type round-trips on both
 * drivers without drift.
 */

/** Messages trained per class in a scope ('global' or 'user:<id>'). */
@Entity('bayes_scope')
export class BayesScopeEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) scope!: string;
  @IntegerColumn() spam!: number;
  @IntegerColumn() ham!: number;
}

/** Messages of each class a token was seen in, in the GLOBAL scope (user scopes: bayes_trained); `lastDay` (epoch day) for pruning. */
@Entity('bayes_token')
@Index('idx_bayes_token_prune', ['scope', 'lastDay'])
export class BayesTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) scope!: string;
  @PrimaryColumn({ type: 'integer' }) token!: number;
  @IntegerColumn() spam!: number;
  @IntegerColumn() ham!: number;
  @IntegerColumn() lastDay!: number;
}

/*
 * What a message was trained as in a scope, with its tokens (distinct column values, ascending), so correction and
 * unlearn remove exactly that. For the global scope this is the record beside its bayes_token counts; a USER scope
 * has no token rows at all: its counts are the sum over its trainings here (issue 6: learning, correcting or undoing
 * a user's mark writes one row, not ~290 token rows). `trainedAt` orders a user's trainings for the per-user cap
 * (LEARNER_USER_MAX_TRAININGS keeps the newest).
 *
 * The token list is `integer[]` on PostgreSQL (unnest in SQL: one-query lookups, 4 bytes a token, under the TOAST
 * threshold) and JSON text on SQLite (json_each), which has no arrays: one entity per engine for the same table
 * (entitiesFor in schema.ts), so each engine's schema matches its migration without drift.
 */
@Entity('bayes_trained')
@Index('idx_bayes_trained_scope_time', ['scope', 'trainedAt'])
export class BayesTrainedEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) scope!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) fingerprint!: string;
  @VarcharColumn(8) label!: 'spam' | 'ham';
  @Column({ type: 'integer', array: true }) tokens!: readonly number[];
  @TimestampColumn() trainedAt!: Date;
}

/** bayes_trained on SQLite (see BayesTrainedEntity): the token list as JSON text. */
@Entity('bayes_trained')
@Index('idx_bayes_trained_scope_time', ['scope', 'trainedAt'])
export class BayesTrainedSqliteEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) scope!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) fingerprint!: string;
  @VarcharColumn(8) label!: 'spam' | 'ham';
  @JsonColumn() tokens!: readonly number[];
  @TimestampColumn() trainedAt!: Date;
}
