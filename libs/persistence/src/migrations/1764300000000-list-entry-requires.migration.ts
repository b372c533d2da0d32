import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from './migration-types';

/**
 * list_entry.requires: what a message must show before an allow entry applies (null: nothing; 'aligned_auth': an
 * aligned DMARC or SPF pass for the matched sender, for allows of senders in a hosted domain — anyone can forge those).
 * Existing rows get null, so every entry keeps applying as before.
 */
export class ListEntryRequires1764300000000 implements MigrationInterface {
  readonly name = 'ListEntryRequires1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('list_entry', new TableColumn(migrationColumns(q).varchar('requires', 16, { nullable: true })));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('list_entry', 'requires');
  }
}
