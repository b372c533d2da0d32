import { Entity, Index, PrimaryColumn } from 'typeorm';
import { IntegerColumn, JsonColumn, VarcharColumn } from '../entities/column-types';

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

/** Messages of each class a token was seen in, per scope; `lastDay` (epoch day) for pruning. */
@Entity('bayes_token')
@Index('idx_bayes_token_prune', ['scope', 'lastDay'])
export class BayesTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) scope!: string;
  @PrimaryColumn({ type: 'integer' }) token!: number;
  @IntegerColumn() spam!: number;
  @IntegerColumn() ham!: number;
  @IntegerColumn() lastDay!: number;
}

/** What a message was trained as in a scope, with its tokens, so correction and unlearn remove exactly that. */
@Entity('bayes_trained')
export class BayesTrainedEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) scope!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) fingerprint!: string;
  @VarcharColumn(8) label!: 'spam' | 'ham';
  @JsonColumn() tokens!: readonly number[];
}
