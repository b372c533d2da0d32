import { Inject, Injectable } from '@nestjs/common';
import { AuditLogRepository } from '@spamfilter/persistence';

/** One decision about a kept copy, for the audit trail. */
export interface QuarantineAuditEntry {
  readonly action: 'release' | 'delete';
  readonly quarantineId: string;
  readonly reference: string;
  readonly direction: 'inbound' | 'outbound';
  /** Who did it (the caller's address, or key:<prefix>). */
  readonly actor: string;
  readonly role: string;
  /** Whose quarantine it was (the recipient, or the sender of held mail). */
  readonly owner: string;
  /** The owner's tenant (null when the owner is not a hosted user). */
  readonly tenantId: string | null;
  readonly recipients: readonly string[];
  readonly at: Date;
  /** The release's SMTP answer, whether it trained "not spam". */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Where releases and deletions are recorded (an abstract class: the Nest injection token). */
export abstract class QuarantineAudit {
  abstract record(entry: QuarantineAuditEntry): Promise<void>;
}

/**
 * The API's append-only audit log (audit_log, subject `quarantine`): who released or deleted which kept copy, when,
 * what it was (reference, direction, recipients, owner) and the outcome (the SMTP answer, the "not spam" mark).
 */
@Injectable()
export class AuditLogQuarantineAudit extends QuarantineAudit {
  constructor(@Inject(AuditLogRepository) private readonly log: AuditLogRepository) {
    super();
  }

  async record(entry: QuarantineAuditEntry): Promise<void> {
    await this.log.append(null, {
      actor: entry.actor,
      actorRole: entry.role,
      tenantId: entry.tenantId,
      subject: 'quarantine',
      subjectId: entry.quarantineId,
      action: entry.action,
      before: {
        reference: entry.reference,
        direction: entry.direction,
        owner: entry.owner,
        recipients: entry.recipients,
      },
      after: entry.detail,
      at: entry.at,
    });
  }
}
