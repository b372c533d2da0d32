import { Column, PrimaryColumn, type ColumnOptions } from 'typeorm';

/*
 * Column types chosen so that one entity definition round-trips on both drivers without schema drift:
 * - timestamps use the JS `Date` type, which TypeORM maps to `datetime` on SQLite and `timestamp` on PostgreSQL
 *   (stored as UTC on both: see data-source.factory.ts for the pg side);
 * - integers are `integer` (SQLite reports `int` as a difference, NOTES.md);
 * - JSON is `simple-json` (a `text` column on both), floats are `double precision`;
 * - no database-side defaults: repositories always write every column, so default comparisons cannot drift.
 * Migrations use the same types through migration-types.ts.
 */
export const ID_LENGTH = 36;
export const ADDRESS_LENGTH = 320;

export function IdColumn(): PropertyDecorator {
  return PrimaryColumn({ type: 'varchar', length: ID_LENGTH });
}

export function RefColumn(options: Pick<ColumnOptions, 'nullable' | 'name'> = {}): PropertyDecorator {
  return Column({ type: 'varchar', length: ID_LENGTH, ...options });
}

export function VarcharColumn(
  length: number,
  options: Pick<ColumnOptions, 'nullable' | 'name'> = {},
): PropertyDecorator {
  return Column({ type: 'varchar', length, ...options });
}

export function TextColumn(options: Pick<ColumnOptions, 'nullable'> = {}): PropertyDecorator {
  return Column({ type: 'text', ...options });
}

export function TimestampColumn(options: Pick<ColumnOptions, 'nullable'> = {}): PropertyDecorator {
  return Column({ type: Date, ...options });
}

export function IntegerColumn(options: Pick<ColumnOptions, 'nullable'> = {}): PropertyDecorator {
  return Column({ type: 'integer', ...options });
}

export function FloatColumn(options: Pick<ColumnOptions, 'nullable'> = {}): PropertyDecorator {
  return Column({ type: 'double precision', ...options });
}

export function JsonColumn(options: Pick<ColumnOptions, 'nullable'> = {}): PropertyDecorator {
  return Column({ type: 'simple-json', ...options });
}

export function BooleanColumn(): PropertyDecorator {
  return Column({ type: 'boolean' });
}
