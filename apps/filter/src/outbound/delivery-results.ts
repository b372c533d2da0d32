import { DeliveryResultRepository } from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import type { RecipientResult } from './delivery-report';

/** Port: where the next hop's replies per recipient are kept, by the message's reference. */
export abstract class DeliveryResults {
  abstract add(reference: string, queueId: string | null, results: readonly RecipientResult[]): Promise<void>;
}

/**
 * The database's delivery_result table (libs/persistence). `dataSource` gives undefined when the filter has no
 * database (nothing is kept) and throws while it is not connected yet (the report answers 503).
 */
export class DbDeliveryResults extends DeliveryResults {
  constructor(private readonly dataSource: () => DataSource | undefined) {
    super();
  }

  async add(reference: string, queueId: string | null, results: readonly RecipientResult[]): Promise<void> {
    const ds = this.dataSource();
    if (!ds) return;
    await new DeliveryResultRepository(ds).addMany(
      results.map((r) => ({
        reference,
        queueId,
        recipient: r.recipient,
        status: r.status,
        code: r.code,
        enhanced: r.enhanced,
        text: r.text,
        at: new Date(r.at),
      })),
    );
  }
}

/** Without a database: results are counted (the ratio limit) but not kept. */
export class NoDeliveryResults extends DeliveryResults {
  add(): Promise<void> {
    return Promise.resolve();
  }
}
