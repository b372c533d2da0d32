import { Injectable, Logger } from '@nestjs/common';

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
  readonly recipients: readonly string[];
  readonly at: Date;
  /** The release's SMTP answer, whether it trained "not spam". */
  readonly detail: Readonly<Record<string, unknown>>;
}

/**
 * Where releases and deletions are recorded. The API's general audit log does not exist yet on this branch; this
 * is the one call the quarantine makes, so wiring that log in is one provider: `{ provide: QuarantineAudit,
 * useClass: <the audit log's adapter> }` in quarantine.providers.ts. Until then each entry is one structured log line.
 */
export abstract class QuarantineAudit {
  abstract record(entry: QuarantineAuditEntry): Promise<void>;
}

@Injectable()
export class LogQuarantineAudit extends QuarantineAudit {
  private readonly logger = new Logger('QuarantineAudit');

  record(entry: QuarantineAuditEntry): Promise<void> {
    this.logger.log(JSON.stringify({ ...entry, at: entry.at.toISOString() }));
    return Promise.resolve();
  }
}
