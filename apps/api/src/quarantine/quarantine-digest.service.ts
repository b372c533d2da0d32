import {
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import { RELEASE_HEADER } from '@spamfilter/domain';
import { bodyDigest } from '@spamfilter/mail';
import {
  QuarantineDigestEntity,
  QuarantineRepository,
  ReleaseTicketRepository,
  runWrite,
  UserAccountEntity,
} from '@spamfilter/persistence';
import { randomBytes } from 'node:crypto';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { composeDigest } from './quarantine-digest';
import { parseHostPort, SmtpSubmitter } from './smtp-submitter';

const DAY_MS = 86_400_000;
/** A user gets at most one digest in this long (a little under a day, so the send hour does not drift later). */
const MIN_GAP_MS = 20 * 3_600_000;
const CHECK_EVERY_MS = 10 * 60_000;

export interface DigestRun {
  readonly sent: number;
  /** Users who had a digest within the last 20 hours (another instance, an earlier run). */
  readonly skipped: number;
  readonly failed: number;
}

/**
 * The daily quarantine digest (QUARANTINE_DIGEST_*): each user with mail kept in the last day gets one plain-text
 * message listing it, sent through the outbound path (Haraka submission, as RELEASE_SUBMISSION_USER) with a digest
 * ticket so the filter does not hold a list of spam subjects as spam. One digest per user per day whatever the number
 * of API instances: each claims the user's quarantine_digest row before sending (and gives it back on failure).
 */
@Injectable()
export class QuarantineDigestService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('QuarantineDigest');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<DigestRun> | null = null;

  constructor(
    private readonly db: DataSource,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
    private readonly smtp: SmtpSubmitter,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.quarantine.digestEnabled) return;
    if (!this.config.quarantine.releaseSubmissionUser) {
      this.logger.warn('QUARANTINE_DIGEST_ENABLED but RELEASE_SUBMISSION_USER is not set: no digest is sent');
      return;
    }
    this.timer = setInterval(() => {
      if (new Date().getUTCHours() < this.config.quarantine.digestHourUtc || this.running) return;
      this.runOnce().catch((err: unknown) =>
        this.logger.error(`digest run failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }, CHECK_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Sends the digests due now (operators may trigger it; the timer calls it from the configured hour on). */
  runOnce(now = new Date()): Promise<DigestRun> {
    if (!this.config.quarantine.releaseSubmissionUser) {
      return Promise.reject(
        new ServiceUnavailableException('no digest can be sent: RELEASE_SUBMISSION_USER is not set'),
      );
    }
    this.running ??= this.run(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(now: Date): Promise<DigestRun> {
    const q = this.config.quarantine;
    const copies = new QuarantineRepository(this.db);
    const tickets = new ReleaseTicketRepository(this.db);
    const since = new Date(now.getTime() - DAY_MS);
    let sent = 0;
    let skipped = 0;
    let failed = 0;
    for (const { userId, count } of await copies.ownersWithKeptSince(since)) {
      const user = await this.db.getRepository(UserAccountEntity).findOneBy({ id: userId });
      if (!user) continue;
      const previous = await this.claim(userId, now);
      if (previous === false) {
        skipped++;
        continue;
      }
      const lines = await copies.keptForUser(userId, since, q.digestMaxItems);
      const { raw, reference } = composeDigest({
        to: user.address,
        from: q.digestFrom,
        lines: lines.map((l) => ({
          id: l.id,
          createdAt: l.createdAt,
          from: l.headerFrom,
          mailFrom: l.mailFrom,
          subject: l.subject,
          reason: l.reason,
          direction: l.direction,
        })),
        total: count,
        now,
        manageHint: 'your quarantine in the mail filter (GET /v1/quarantine)',
        random: randomBytes(10),
      });
      const { token } = await tickets.issue(
        {
          purpose: 'digest',
          reference,
          quarantineId: null,
          bodyDigest: bodyDigest(raw),
          mailFrom: q.digestFrom,
          rcptTo: [user.address],
          issuedBy: 'digest',
          ttlMs: q.releaseTicketTtlSeconds * 1000,
        },
        now,
      );
      const r = await this.smtp.submit(
        {
          ...parseHostPort(q.releaseSubmissionSmtp),
          helo: q.releaseHelo,
          timeoutMs: q.releaseSmtpTimeoutMs,
          auth: { user: q.releaseSubmissionUser, pass: q.releaseSubmissionPassword },
        },
        { mailFrom: q.digestFrom, rcptTo: [user.address] },
        Buffer.concat([Buffer.from(`${RELEASE_HEADER}: ${token}\r\n`, 'latin1'), raw]),
      );
      if (r.ok) {
        sent++;
        continue;
      }
      failed++;
      this.logger.warn(
        `digest for ${user.address} not accepted (${r.stage}: ${r.code} ${r.text.slice(0, 200)})`,
      );
      await this.giveBack(userId, previous);
    }
    return { sent, skipped, failed };
  }

  /** Claims today's digest for the user: false when one was sent within MIN_GAP_MS, else the previous send time. */
  private async claim(userId: string, now: Date): Promise<Date | null | false> {
    const rows = this.db.getRepository(QuarantineDigestEntity);
    const current = await rows.findOneBy({ userId });
    if (!current) {
      try {
        await runWrite(this.db, (m) =>
          m.getRepository(QuarantineDigestEntity).insert({ userId, lastSentAt: now }),
        );
        return null;
      } catch {
        return false; // another instance inserted it first
      }
    }
    const cutoff = new Date(now.getTime() - MIN_GAP_MS);
    const r = await runWrite(this.db, (m) =>
      m
        .getRepository(QuarantineDigestEntity)
        .update({ userId, lastSentAt: LessThanOrEqual(cutoff) }, { lastSentAt: now }),
    );
    return (r.affected ?? 0) === 1 ? current.lastSentAt : false;
  }

  private async giveBack(userId: string, previous: Date | null): Promise<void> {
    await runWrite(this.db, (m) =>
      previous === null
        ? m.getRepository(QuarantineDigestEntity).delete({ userId })
        : m.getRepository(QuarantineDigestEntity).update({ userId }, { lastSentAt: previous }),
    );
  }
}
