import type { Action, Direction, ScoredSymbol } from '@spamfilter/domain';
import { formatReferenceId } from '@spamfilter/domain';
import type { NewScanRecord } from '@spamfilter/persistence';
import { randomBytes } from 'node:crypto';

/**
 * Message-log records as the filter writes them (ScanRecordRepository.insertMany, the filter's own write path), with
 * the fields the console's pages and the dashboard read: direction, action, client IP, sender, symbols, time.
 */
export interface RecordSpec {
  readonly at: Date;
  readonly direction?: Direction;
  readonly action?: Action;
  readonly score?: number;
  readonly clientIp?: string;
  readonly mailFrom?: string;
  readonly headerFrom?: string | null;
  readonly subject?: string | null;
  readonly authUser?: string | null;
  readonly symbols?: readonly Pick<ScoredSymbol, 'name' | 'score'>[];
  readonly recipients?: readonly { address: string; userId?: string | null; domainId?: string | null }[];
}

let seq = 0;

export function symbol(name: string, score: number): ScoredSymbol {
  return { name, group: 'content', description: `${name} test symbol`, weight: score, score, options: [] };
}

export function scanRecord(spec: RecordSpec): NewScanRecord {
  const action = spec.action ?? 'accept';
  const score = spec.score ?? (action === 'accept' ? 1 : action === 'tag' ? 7 : 16);
  const symbols = (spec.symbols ?? []).map((s) => symbol(s.name, s.score));
  const reference = formatReferenceId(spec.at.getTime() + (seq++ % 1000), randomBytes(10));
  return {
    reference,
    createdAt: spec.at,
    direction: spec.direction ?? 'inbound',
    clientIp: spec.clientIp ?? '192.0.2.10',
    helo: 'mx.sender.example',
    mailFrom: spec.mailFrom ?? 'news@sender.example',
    authUser: spec.authUser ?? null,
    queueId: null,
    headerFrom: spec.headerFrom === undefined ? (spec.mailFrom ?? 'news@sender.example') : spec.headerFrom,
    subject: spec.subject === undefined ? 'hello' : spec.subject,
    messageFingerprint: randomBytes(32).toString('hex'),
    size: 2048,
    action,
    score,
    symbols,
    smtpReply:
      action === 'reject'
        ? { code: 550, enhanced: '5.7.1', message: 'refused' }
        : { code: 250, enhanced: '2.0.0', message: 'ok' },
    headers: [],
    training: null,
    elapsedMs: 4,
    recipients: (spec.recipients ?? [{ address: 'someone@example.org' }]).map((r) => ({
      recipient: r.address,
      userId: r.userId ?? null,
      domainId: r.domainId ?? null,
      action,
      score,
      symbols,
      reason: `score ${score}`,
      disposition: null,
    })),
  } as NewScanRecord;
}
