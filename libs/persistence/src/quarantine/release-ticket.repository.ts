import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, IsNull, LessThanOrEqual, MoreThan } from 'typeorm';
import { runWrite } from '../transactions';
import { ReleaseTicketEntity, type ReleasePurpose } from './release-ticket.entity';

export interface NewReleaseTicket {
  readonly purpose: ReleasePurpose;
  readonly reference: string;
  readonly quarantineId: string | null;
  readonly bodyDigest: string;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly issuedBy: string;
  readonly ttlMs: number;
}

/** What the filter saw: the message it is asked to deliver, with the ticket it carried. */
export interface RedeemFacts {
  readonly token: string;
  readonly bodyDigest: string;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
}

export type RedeemResult =
  | { readonly ok: true; readonly ticket: ReleaseTicketEntity }
  | {
      readonly ok: false;
      readonly problem: 'unknown' | 'expired' | 'used' | 'body' | 'sender' | 'recipients';
    };

/** Tokens are 32 random bytes (base64url); only their SHA-256 is stored. */
export function ticketHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const addressKey = (a: string): string => a.trim().toLowerCase();
const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const x = new Set(a.map(addressKey));
  const y = new Set(b.map(addressKey));
  return x.size === y.size && [...x].every((v) => y.has(v));
};

/** Release tickets: issued by the API, redeemed once by the filter (see ReleaseTicketEntity). */
export class ReleaseTicketRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a new ticket; returns the token to put in the message (shown nowhere else). */
  async issue(t: NewReleaseTicket, now = new Date()): Promise<{ token: string; id: string }> {
    const token = randomBytes(32).toString('base64url');
    const id = randomUUID();
    const row: ReleaseTicketEntity = {
      id,
      tokenHash: ticketHash(token),
      purpose: t.purpose,
      reference: t.reference,
      quarantineId: t.quarantineId,
      bodyDigest: t.bodyDigest,
      mailFrom: t.mailFrom.slice(0, 320),
      rcptTo: t.rcptTo.map(addressKey),
      issuedBy: t.issuedBy.slice(0, 320),
      createdAt: now,
      expiresAt: new Date(now.getTime() + t.ttlMs),
      usedAt: null,
    };
    await runWrite(this.dataSource, (m) => m.getRepository(ReleaseTicketEntity).insert(row));
    return { token, id };
  }

  /**
   * Redeems a ticket for the message the filter holds: it must exist, be unexpired and unused, and name the same body,
   * envelope sender and recipients. Used once: of two scans presenting one ticket, one gets ok.
   */
  async redeem(f: RedeemFacts, now = new Date()): Promise<RedeemResult> {
    const repo = this.dataSource.getRepository(ReleaseTicketEntity);
    const ticket = await repo.findOneBy({ tokenHash: ticketHash(f.token) });
    if (!ticket) return { ok: false, problem: 'unknown' };
    if (ticket.usedAt) return { ok: false, problem: 'used' };
    if (ticket.expiresAt.getTime() <= now.getTime()) return { ok: false, problem: 'expired' };
    if (ticket.bodyDigest !== f.bodyDigest) return { ok: false, problem: 'body' };
    if (addressKey(ticket.mailFrom) !== addressKey(f.mailFrom)) return { ok: false, problem: 'sender' };
    if (!sameSet(ticket.rcptTo, f.rcptTo)) return { ok: false, problem: 'recipients' };
    const claimed = await runWrite(this.dataSource, (m) =>
      m.getRepository(ReleaseTicketEntity).update({ id: ticket.id, usedAt: IsNull() }, { usedAt: now }),
    );
    if ((claimed.affected ?? 0) !== 1) return { ok: false, problem: 'used' };
    return { ok: true, ticket: { ...ticket, usedAt: now } };
  }

  /** An unexpired, unused ticket for this sender and recipient exists (the release is on its way through RCPT). */
  async pendingFor(mailFrom: string, recipient: string, now = new Date()): Promise<boolean> {
    const rows = await this.dataSource.getRepository(ReleaseTicketEntity).find({
      where: { mailFrom: mailFrom.slice(0, 320), usedAt: IsNull(), expiresAt: MoreThan(now) },
      select: ['id', 'mailFrom', 'rcptTo'],
      take: 50,
    });
    return rows.some(
      (r) =>
        addressKey(r.mailFrom) === addressKey(mailFrom) && r.rcptTo.some((x) => x === addressKey(recipient)),
    );
  }

  /** Whether the filter has redeemed the ticket (the message passed the scan). */
  async usedAt(id: string): Promise<Date | null> {
    return (
      (
        await this.dataSource
          .getRepository(ReleaseTicketEntity)
          .findOne({ where: { id }, select: ['id', 'usedAt'] })
      )?.usedAt ?? null
    );
  }

  async deleteExpired(now: Date): Promise<number> {
    const r = await runWrite(this.dataSource, (m) =>
      m.getRepository(ReleaseTicketEntity).delete({ expiresAt: LessThanOrEqual(now) }),
    );
    return r.affected ?? 0;
  }
}
