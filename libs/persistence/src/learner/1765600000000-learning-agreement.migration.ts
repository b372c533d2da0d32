import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/**
 * Consent to share marks (sharing_consent), the learner's per-user agreement counts (learner_trust), and campaigns
 * across users: votes with their MinHash signatures (campaign_mark), their LSH bands (campaign_band) and the
 * confirmed campaigns every filter holds (campaign). See agreement.entities.ts.
 */
export class LearningAgreement1765600000000 implements MigrationInterface {
  readonly name = 'LearningAgreement1765600000000';

  async up(q: QueryRunner): Promise<void> {
    const c = migrationColumns(q);
    await q.createTable(
      new Table({
        name: 'sharing_consent',
        columns: [
          c.key('scope', 8),
          c.key('scope_id', 36),
          c.boolean('share'),
          c.timestamp('updated_at'),
          c.varchar('updated_by', 64),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'learner_trust',
        columns: [
          c.key('user_id', 36),
          c.integer('agreed'),
          c.integer('disagreed'),
          c.timestamp('updated_at'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'campaign_mark',
        columns: [
          c.key('event_id', 64),
          c.varchar('voter', 64),
          c.varchar('label', 8),
          c.varchar('signature', 256),
          c.timestamp('created_at'),
        ],
        indices: [{ name: 'idx_campaign_mark_created', columnNames: ['created_at'] }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'campaign_band',
        columns: [
          { name: 'band_key', type: 'integer', isPrimary: true },
          { ...c.timestamp('created_at'), isPrimary: true },
          c.key('event_id', 64),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'campaign',
        columns: [
          c.id(),
          c.varchar('signature', 256),
          c.integer('voters'),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['campaign', 'campaign_band', 'campaign_mark', 'learner_trust', 'sharing_consent'])
      await q.dropTable(t);
  }
}
