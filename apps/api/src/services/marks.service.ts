import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  Optional,
  PayloadTooLargeException,
} from '@nestjs/common';
import {
  messageFingerprint,
  parseLimits,
  scanTraining,
  spamClassifierOptions,
  type ScanTraining,
} from '@spamfilter/bayes';
import type { AppConfig } from '@spamfilter/config';
import { isReferenceId } from '@spamfilter/domain';
import { parseMessageSafe } from '@spamfilter/mail';
import {
  FeedbackMarkEntity,
  MarkRequestRepository,
  OutboxRepository,
  UserAccountEntity,
  queryRows,
  runInTransaction,
} from '@spamfilter/persistence';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { ApiMetricsService } from '../metrics/api-metrics.service';
import type { CreateMark, MarkDto, RawMarkQuery } from '../dtos/mark.dto';
import { mailboxOwnerOf, mayActFor, type MailboxOwner, type Principal } from '../guards/principal';
import { FEEDBACK_TOPIC, type FeedbackPayload } from './feedback-payload';
import { OutboxRelayService } from './outbox-relay.service';

interface MarkTarget {
  readonly owner: MailboxOwner;
  readonly reference: string | null;
  readonly fingerprint: string;
  readonly training?: ScanTraining;
}

/**
 * Marks: the mark row and its FeedbackEvent (outbox row) are written in ONE transaction, so an accepted mark is
 * never lost even when the bus is down; the relay publishes it when it can. Another user's message is answered
 * with 404 (no oracle for who received what) and nothing is written.
 */
@Injectable()
export class MarksService {
  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelayService,
    private readonly outbox: OutboxRepository,
    private readonly requests: MarkRequestRepository,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly metrics?: ApiMetricsService,
  ) {}

  private readonly log = new Logger(MarksService.name);

  async markByReference(principal: Principal, body: CreateMark): Promise<MarkDto> {
    const target = await this.targetOfReference(principal, body.reference, body.recipient);
    return this.accept(target, body.label);
  }

  /**
   * A raw mark. With an idempotency key (the mailbox hook sends one per reported move and resends until it gets an
   * answer) a resend returns the mark the first request made, even when a later move changed the user's mark since.
   */
  async markRaw(
    principal: Principal,
    raw: unknown,
    query: RawMarkQuery,
    idempotencyKey?: string,
  ): Promise<MarkDto> {
    const requestKey =
      idempotencyKey === undefined ? undefined : markRequestKey(principal.keyId, idempotencyKey);
    if (requestKey !== undefined) {
      const earlier = await this.markOfRequest(requestKey);
      if (earlier) return earlier;
    }
    try {
      return await this.markRawOnce(principal, raw, query, requestKey);
    } catch (err) {
      // Two sends of one key at once: the second insert of the key failed; answer with the first one's mark.
      const earlier = requestKey === undefined ? null : await this.markOfRequest(requestKey);
      if (earlier) return earlier;
      throw err;
    }
  }

  private async markRawOnce(
    principal: Principal,
    raw: unknown,
    query: RawMarkQuery,
    requestKey: string | undefined,
  ): Promise<MarkDto> {
    if (!Buffer.isBuffer(raw) || raw.length === 0) {
      throw new BadRequestException('body: the raw message is required (Content-Type: message/rfc822)');
    }
    // The same parse limits and tokenizer as the filter, so a raw mark trains the token ids the filter looks up.
    const parsed = parseMessageSafe(raw, parseLimits(this.config.bayes));
    if (parsed.truncated && parsed.size > raw.length) throw new PayloadTooLargeException();
    // The filter stamped X-Spam-Reference on delivery: prefer that scan's training data when it is the caller's.
    const stamped = parsed.headers
      .find((h) => h.name === 'x-spam-reference')
      ?.value.trim()
      .toUpperCase();
    if (stamped && isReferenceId(stamped)) {
      const target = await this.targetOfReference(principal, stamped, query.recipient).catch(() => null);
      if (target) return this.accept(target, query.label, requestKey);
    }
    const owner = await this.ownerOfRawMark(principal, query.recipient);
    return this.accept(
      {
        owner,
        reference: null,
        // The filter's own fingerprint of the scanned message (libs/bayes), so a raw mark finds a mark by reference.
        fingerprint: messageFingerprint(raw),
        training: scanTraining(parsed, spamClassifierOptions(this.config.bayes).tokenizer),
      },
      query.label,
      requestKey,
    );
  }

  private async markOfRequest(requestKey: string): Promise<MarkDto | null> {
    const markId = await this.requests.markOf(requestKey);
    const mark = markId ? await this.db.getRepository(FeedbackMarkEntity).findOneBy({ id: markId }) : null;
    return mark ? toDto(mark, mark.undoneAt ? 'undone' : 'accepted') : null;
  }

  async undo(principal: Principal, id: string): Promise<MarkDto> {
    const marks = this.db.getRepository(FeedbackMarkEntity);
    const mark = await marks.findOneBy({ id, kind: 'learn' });
    const owner = mark ? await this.ownerById(mark.userId) : null;
    if (!mark || !owner || !mayActFor(principal, owner)) throw new NotFoundException(`no mark ${id}`);
    if (mark.undoneAt) return toDto(mark, 'undone');
    const undoneAt = new Date();
    const undoEventId = await runInTransaction(this.db, async (m): Promise<string | null> => {
      const changed = await m
        .getRepository(FeedbackMarkEntity)
        .update({ id, undoneAt: IsNull() }, { undoneAt });
      if (!changed.affected) return null; // a concurrent undo won
      const eventId = randomUUID();
      await m.getRepository(FeedbackMarkEntity).insert({
        id: randomUUID(),
        eventId,
        userId: mark.userId,
        tenantId: mark.tenantId,
        reference: mark.reference,
        messageFingerprint: mark.messageFingerprint,
        label: null,
        kind: 'undo',
        createdAt: undoneAt,
        undoneAt: null,
      });
      await this.enqueue(m, {
        eventId,
        userId: mark.userId,
        tenantId: mark.tenantId,
        kind: 'undo',
        label: null,
        reference: mark.reference,
        messageId: mark.messageFingerprint,
        occurredAt: undoneAt.toISOString(),
      });
      return eventId;
    });
    if (undoEventId) {
      this.metrics?.markAccepted('undo', null);
      this.log.debug({
        msg: 'undo accepted',
        eventId: undoEventId,
        reference: mark.reference ?? undefined,
        userId: mark.userId,
      });
    }
    this.relay.kick();
    return toDto({ ...mark, undoneAt }, 'undone');
  }

  /**
   * Writes the mark and its event; a repeat of the user's current mark on the message returns that mark. A request
   * key is recorded in the same transaction, with the mark it made or found.
   */
  private async accept(target: MarkTarget, label: 'spam' | 'ham', requestKey?: string): Promise<MarkDto> {
    const { owner } = target;
    const result = await runInTransaction(this.db, async (m) => {
      const marks = m.getRepository(FeedbackMarkEntity);
      const current = await marks.findOne({
        where: {
          userId: owner.userId,
          messageFingerprint: target.fingerprint,
          kind: 'learn',
          undoneAt: IsNull(),
        },
        order: { createdAt: 'DESC' },
      });
      if (current && current.label === label) {
        if (requestKey !== undefined) await this.requests.record(m, requestKey, current.id);
        return { mark: current, created: false };
      }
      const now = new Date();
      // A different label is a correction: the earlier mark is superseded and the learner undoes its training.
      if (current) await marks.update({ id: current.id }, { undoneAt: now });
      const mark: FeedbackMarkEntity = {
        id: randomUUID(),
        eventId: randomUUID(),
        userId: owner.userId,
        tenantId: owner.tenantId,
        reference: target.reference,
        messageFingerprint: target.fingerprint,
        label,
        kind: 'learn',
        createdAt: now,
        undoneAt: null,
      };
      await marks.insert(mark);
      if (requestKey !== undefined) await this.requests.record(m, requestKey, mark.id, now);
      await this.enqueue(m, {
        eventId: mark.eventId,
        userId: owner.userId,
        tenantId: owner.tenantId,
        kind: 'learn',
        label,
        reference: target.reference,
        messageId: target.fingerprint,
        occurredAt: now.toISOString(),
        ...(target.training ? { training: target.training } : {}),
      });
      return { mark, created: true };
    });
    if (result.created) {
      this.metrics?.markAccepted('learn', label);
      const m = result.mark;
      this.log.debug({
        msg: `mark accepted: ${label}`,
        eventId: m.eventId,
        reference: m.reference ?? undefined,
        userId: m.userId,
      });
      this.relay.kick();
    }
    return toDto(result.mark, 'accepted');
  }

  private async enqueue(m: EntityManager, event: FeedbackPayload): Promise<void> {
    await this.outbox.add(m, { topic: FEEDBACK_TOPIC, key: event.userId, payload: event });
  }

  /** The caller's copy of a scanned message, or 404 when there is none they may act for. */
  private async targetOfReference(
    principal: Principal,
    reference: string,
    recipient: string | undefined,
  ): Promise<MarkTarget> {
    const notFound = new NotFoundException(
      `no message ${reference} in mail you may see (a message is recorded within a second of its SMTP answer)`,
    );
    // One round trip (a mark is on the feedback loop's latency path): the scan's recipients that are users, with
    // their accounts and the scan's fingerprint.
    const rows = await queryRows<{ id: string; tenant_id: string; address: string; fingerprint: string }>(
      this.db.manager,
      `SELECT u.id, u.tenant_id, u.address, s.message_fingerprint AS fingerprint
         FROM scan_recipient r
         JOIN scan_record s ON s.reference = r.reference
         JOIN user_account u ON u.id = r.user_id
        WHERE r.reference = :reference`,
      { reference },
    );
    // One owner per user (two recipient addresses of one scan may be the same user's).
    const users = new Map(rows.map((u) => [u.id, u]));
    const owners = [...users.values()]
      .map((u) => mailboxOwnerOf({ id: u.id, tenantId: u.tenant_id, address: u.address }))
      .filter((o) => mayActFor(principal, o) && (recipient === undefined || o.address === recipient));
    if (owners.length === 0) throw notFound;
    if (owners.length > 1) {
      throw new BadRequestException(
        `recipient: the message had several recipients you may act for; name one of them`,
      );
    }
    const record = { messageFingerprint: (rows[0] as { fingerprint: string }).fingerprint };
    return { owner: owners[0], reference, fingerprint: record.messageFingerprint };
  }

  private async ownerOfRawMark(principal: Principal, recipient: string | undefined): Promise<MailboxOwner> {
    if (recipient === undefined) {
      if (!principal.userId)
        throw new BadRequestException('recipient: this key has no mailbox; name the recipient');
      const self = await this.ownerById(principal.userId);
      if (!self) throw new NotFoundException('your mailbox no longer exists');
      return self;
    }
    const user = await this.db.getRepository(UserAccountEntity).findOneBy({ address: recipient });
    const owner = user ? mailboxOwnerOf(user) : null;
    if (!owner || !mayActFor(principal, owner))
      throw new NotFoundException(`no mailbox ${recipient} you may act for`);
    return owner;
  }

  private async ownerById(userId: string): Promise<MailboxOwner | null> {
    const u = await this.db.getRepository(UserAccountEntity).findOneBy({ id: userId });
    return u ? mailboxOwnerOf(u) : null;
  }
}

/** The stored form of a client's idempotency key: scoped to the calling API key, never kept in clear. */
export function markRequestKey(keyId: string, idempotencyKey: string): string {
  return createHash('sha256').update(`${keyId}\n${idempotencyKey}`).digest('hex');
}

function toDto(mark: FeedbackMarkEntity, status: 'accepted' | 'undone'): MarkDto {
  return {
    id: mark.id,
    eventId: mark.eventId,
    userId: mark.userId,
    label: mark.label ?? 'spam',
    reference: mark.reference,
    messageId: mark.messageFingerprint,
    status,
    createdAt: mark.createdAt.toISOString(),
  };
}
