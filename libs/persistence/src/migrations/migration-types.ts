import type { QueryRunner, TableColumnOptions } from 'typeorm';

/**
 * Column builders for hand-written migrations, mirroring entities/column-types.ts so a migration creates exactly
 * what the entities describe (the drift tests prove it on SQLite and PostgreSQL). The timestamp type comes from the
 * driver's own mapping of `Date` (`datetime` on SQLite, `timestamp` on PostgreSQL).
 */
export interface MigrationColumns {
  id(name?: string): TableColumnOptions;
  increment(name?: string): TableColumnOptions;
  key(name: string, length: number): TableColumnOptions;
  ref(name: string, opts?: { nullable?: boolean }): TableColumnOptions;
  varchar(name: string, length: number, opts?: { nullable?: boolean }): TableColumnOptions;
  text(name: string, opts?: { nullable?: boolean }): TableColumnOptions;
  timestamp(name: string, opts?: { nullable?: boolean }): TableColumnOptions;
  integer(name: string): TableColumnOptions;
  float(name: string): TableColumnOptions;
  json(name: string, opts?: { nullable?: boolean }): TableColumnOptions;
  boolean(name: string): TableColumnOptions;
}

export function migrationColumns(queryRunner: QueryRunner): MigrationColumns {
  const timestampType = queryRunner.connection.driver.normalizeType({ type: Date });
  const nullable = (opts?: { nullable?: boolean }): boolean => opts?.nullable ?? false;
  return {
    id: (name = 'id') => ({ name, type: 'varchar', length: '36', isPrimary: true }),
    increment: (name = 'id') => ({
      name,
      type: 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    }),
    key: (name, length) => ({ name, type: 'varchar', length: String(length), isPrimary: true }),
    ref: (name, opts) => ({ name, type: 'varchar', length: '36', isNullable: nullable(opts) }),
    varchar: (name, length, opts) => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable(opts),
    }),
    text: (name, opts) => ({ name, type: 'text', isNullable: nullable(opts) }),
    timestamp: (name, opts) => ({ name, type: timestampType, isNullable: nullable(opts) }),
    integer: (name) => ({ name, type: 'integer', isNullable: false }),
    float: (name) => ({ name, type: 'double precision', isNullable: false }),
    json: (name, opts) => ({ name, type: 'text', isNullable: nullable(opts) }),
    boolean: (name) => ({ name, type: 'boolean', isNullable: false }),
  };
}
