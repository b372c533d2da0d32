import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThan, type EntityManager } from 'typeorm';
import { runWrite } from '../transactions';
import { MarkRequestEntity } from './mark-request.entity';

/** Idempotency keys of mark requests (mark_request), see MarkRequestEntity. */
@Injectable()
export class MarkRequestRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** The mark an earlier request with this key made, or null. */
  async markOf(requestKey: string, manager: EntityManager = this.dataSource.manager): Promise<string | null> {
    const row = await manager.getRepository(MarkRequestEntity).findOneBy({ requestKey });
    return row?.markId ?? null;
  }

  /** Records the key in the mark's own transaction, so a key exists exactly when its mark does. */
  async record(manager: EntityManager, requestKey: string, markId: string, at = new Date()): Promise<void> {
    await manager.getRepository(MarkRequestEntity).insert({ requestKey, markId, createdAt: at });
  }

  /** Forgets keys older than `before` (a client's retries end long before). */
  async purgeOlderThan(before: Date): Promise<number> {
    const result = await runWrite(this.dataSource, (m) =>
      m.getRepository(MarkRequestEntity).delete({ createdAt: LessThan(before) }),
    );
    return result.affected ?? 0;
  }
}
