import type { INestApplication } from '@nestjs/common';
import { formatReferenceId, type Action } from '@spamfilter/domain';
import { ScanRecipientEntity, ScanRecordEntity, UserAccountEntity } from '@spamfilter/persistence';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';

export const OPERATOR_KEY = `sf_operator01_${'o'.repeat(12)}${randomBytes(12).toString('hex')}`;

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

export interface TestUser {
  readonly id: string;
  readonly address: string;
  readonly token: string;
}

/** Creates a user and a key through the API, as an operator would. */
export async function createUser(
  app: INestApplication,
  address: string,
  role: 'user' | 'domain_admin' | 'operator' = 'user',
): Promise<TestUser> {
  const server = app.getHttpServer() as never;
  const u = await request(server).post('/v1/users').set(bearer(OPERATOR_KEY)).send({ address }).expect(201);
  const k = await request(server)
    .post(`/v1/users/${u.body.id as string}/keys`)
    .set(bearer(OPERATOR_KEY))
    .send({ role })
    .expect(201);
  return { id: u.body.id as string, address, token: k.body.token as string };
}

let seq = 0;

/** A scan record as the filter writes it (the message log), for the given recipients. */
export async function seedScan(
  db: DataSource,
  opts: {
    recipients: readonly string[];
    mailFrom?: string;
    subject?: string;
    action?: Action;
    fingerprint?: string;
    training?: Record<string, unknown>;
  },
): Promise<string> {
  const reference = formatReferenceId(Date.now() + seq++, randomBytes(10));
  const createdAt = new Date(Date.now() + seq);
  const action = opts.action ?? 'accept';
  await db.getRepository(ScanRecordEntity).insert({
    reference,
    createdAt,
    direction: 'inbound',
    clientIp: '192.0.2.1',
    helo: 'mx.example.net',
    mailFrom: opts.mailFrom ?? 'news@sender.example',
    authUser: null,
    queueId: null,
    headerFrom: opts.mailFrom ?? 'news@sender.example',
    subject: opts.subject ?? 'hello',
    messageFingerprint: opts.fingerprint ?? randomBytes(32).toString('hex'),
    size: 1234,
    action,
    score: 1.5,
    symbols: [],
    smtpReply: { code: 250, enhanced: '2.0.0', message: 'ok' },
    headers: [],
    training: (opts.training ?? null) as never,
    elapsedMs: 3,
  });
  for (const recipient of opts.recipients) {
    const user = await db.getRepository(UserAccountEntity).findOneBy({ address: recipient });
    await db.getRepository(ScanRecipientEntity).insert({
      reference,
      recipient,
      userId: user?.id ?? null,
      domainId: user?.domainId ?? null,
      action,
      score: 1.5,
      symbols: [
        {
          name: 'BAYES_HAM',
          group: 'bayes',
          description: 'Bayes says ham',
          weight: -1,
          score: -1,
          options: ['0.1'],
        },
      ],
      reason: 'score 1.5 below tag threshold 6',
      createdAt,
    });
  }
  return reference;
}
