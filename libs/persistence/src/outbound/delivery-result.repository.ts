import { randomUUID } from 'node:crypto';
import { DataSource, In, LessThan } from 'typeorm';
import { runInTransaction, runWrite } from '../transactions';
import { DeliveryResultEntity, type DeliveryStatus } from './delivery-result.entity';

export interface NewDeliveryResult {
  readonly reference: string;
  readonly queueId: string | null;
  readonly recipient: string;
  readonly status: DeliveryStatus;
  readonly code: number | null;
  readonly enhanced: string | null;
  readonly text: string;
  readonly at: Date;
}

/**
 * Delivery results of outbound mail, by reference. Reads take references the caller already found in mail it may
 * see (the sender's own scan records, or an operator's), so tenancy is decided there.
 */
export class DeliveryResultRepository {
  constructor(private readonly dataSource: DataSource) {}

  async addMany(results: readonly NewDeliveryResult[], receivedAt = new Date()): Promise<void> {
    if (results.length === 0) return;
    const rows = results.map((r): DeliveryResultEntity => ({
      id: randomUUID(),
      reference: r.reference,
      queueId: r.queueId,
      recipient: r.recipient.toLowerCase().slice(0, 320),
      status: r.status,
      code: r.code,
      enhanced: r.enhanced,
      text: r.text.slice(0, 512),
      at: r.at,
      receivedAt,
    }));
    await runInTransaction(this.dataSource, (m) => m.getRepository(DeliveryResultEntity).insert(rows));
  }

  /** Every result of these messages, oldest first per message. */
  forReferences(references: readonly string[]): Promise<DeliveryResultEntity[]> {
    if (references.length === 0) return Promise.resolve([]);
    return this.dataSource.getRepository(DeliveryResultEntity).find({
      where: { reference: In([...references]) },
      order: { reference: 'ASC', at: 'ASC', receivedAt: 'ASC' },
    });
  }

  /** Retention with the message log. */
  async purgeOlderThan(before: Date): Promise<number> {
    const r = await runWrite(this.dataSource, (m) =>
      m.getRepository(DeliveryResultEntity).delete({ receivedAt: LessThan(before) }),
    );
    return r.affected ?? 0;
  }
}
