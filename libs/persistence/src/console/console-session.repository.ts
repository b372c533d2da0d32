import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runWrite } from '../transactions';
import { ConsoleSessionEntity } from './console-session.entity';

/** Don't write last_seen_at more often than this per session: the console makes several calls per page. */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

/** The web console's sessions (console_session), by the SHA-256 of the cookie's token. */
@Injectable()
export class ConsoleSessionRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async create(session: ConsoleSessionEntity): Promise<void> {
    await runWrite(this.dataSource, (m) => m.getRepository(ConsoleSessionEntity).insert(session));
  }

  find(tokenHash: string): Promise<ConsoleSessionEntity | null> {
    return this.dataSource.getRepository(ConsoleSessionEntity).findOneBy({ tokenHash });
  }

  /** Records activity (sliding idle end); at most one write per session per SESSION_TOUCH_INTERVAL_MS. */
  async touch(tokenHash: string, at: Date): Promise<boolean> {
    const result = await runWrite(this.dataSource, (m) =>
      m
        .createQueryBuilder()
        .update(ConsoleSessionEntity)
        .set({ lastSeenAt: at })
        .where('token_hash = :tokenHash', { tokenHash })
        .andWhere('last_seen_at < :threshold', {
          threshold: new Date(at.getTime() - SESSION_TOUCH_INTERVAL_MS),
        })
        .execute(),
    );
    return (result.affected ?? 0) > 0;
  }

  async delete(tokenHash: string): Promise<boolean> {
    const result = await runWrite(this.dataSource, (m) =>
      m.getRepository(ConsoleSessionEntity).delete({ tokenHash }),
    );
    return (result.affected ?? 0) > 0;
  }

  /** Sessions past their absolute end or idle longer than idleMs; returns how many were deleted. */
  async deleteExpired(now: Date, idleMs: number): Promise<number> {
    const result = await runWrite(this.dataSource, (m) =>
      m
        .createQueryBuilder()
        .delete()
        .from(ConsoleSessionEntity)
        .where('expires_at <= :now', { now })
        .orWhere('last_seen_at <= :idle', { idle: new Date(now.getTime() - idleMs) })
        .execute(),
    );
    return result.affected ?? 0;
  }

  /** How many sessions a key has open (tests; an operator's view of a key). */
  countForKey(keyId: string): Promise<number> {
    return this.dataSource.getRepository(ConsoleSessionEntity).countBy({ keyId });
  }
}
