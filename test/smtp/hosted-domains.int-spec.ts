import { createServer, type Server } from 'node:net';
import request from 'supertest';
import { bearer, OPERATOR_KEY } from '../api/api-fixtures';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import { propagationConfig, startStack, waitFor, type Stack } from '../propagation/propagation-harness';
import { SmtpSession, startHaraka, type HarakaHandle, type Reply } from './harness';

/**
 * Hosted domains through the API, over real SMTP: the real Haraka with our plugin asks the real filter (PostgreSQL,
 * the API's outbox relayed on the in-process bus) at RCPT. A domain added through the API is accepted without
 * touching Haraka; a removed one is refused as relaying; unknown mailboxes are refused with 550 5.1.1 where the domain
 * asks for it; a domain in config/host_list (the quick start's) is still accepted.
 */
describe('hosted domains through the API, real Haraka over SMTP (PostgreSQL, the real filter)', () => {
  let tdb: TestDatabase;
  let stack: Stack;
  let haraka: HarakaHandle;
  let sink: Server;
  let server: never;
  let tenantId: string;
  const op = bearer(OPERATOR_KEY);

  /** RCPT TO in a fresh session, as a sending MX would try it. */
  async function rcpt(address: string): Promise<Reply> {
    const { session } = await SmtpSession.open(haraka.port);
    try {
      await session.command('EHLO mx.sender.example');
      await session.command('MAIL FROM:<someone@sender.example>');
      return await session.command(`RCPT TO:<${address}>`);
    } finally {
      await session.quit();
    }
  }
  /** Until RCPT answers `code` (the filters' cache is dropped by the change event; waits on that, bounded). */
  async function until(address: string, code: number): Promise<Reply> {
    let last: Reply = { code: 0, text: '' };
    const ms = await waitFor(
      async () => (last = await rcpt(address)).code === code,
      10_000,
      `RCPT ${address} → ${code} (last: ${last.code} ${last.text})`,
    );
    process.stdout.write(`hosted domains: RCPT ${address} answered ${code} after ${ms} ms\n`);
    return last;
  }

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    stack = await startStack(
      propagationConfig({ DB_TYPE: 'postgres', DB_URL: tdb.config.url, LEARNER_ENABLED: 'false' }),
      1,
    );
    server = stack.api.getHttpServer() as never;
    const filterUrl = await stack.filters[0]!.listen(0, '127.0.0.1');
    // Nothing is delivered here (the test stops at RCPT): a listener that takes connections stands for the next hop.
    sink = createServer((s) => s.destroy());
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    const sinkPort = (sink.address() as { port: number }).port;
    haraka = await startHaraka({ kind: 'inbound', filterUrl, sinkPort, hostList: ['example.net'] });
    tenantId = (await request(server).post('/v1/tenants').set(op).send({ name: 'Customer' }).expect(201)).body
      .id as string;
  }, 120_000);

  afterAll(async () => {
    const logs = haraka ? haraka.logs() : '';
    await haraka?.stop();
    await new Promise<void>((r) => (sink ? sink.close(() => r()) : r()));
    await stack?.close();
    await tdb?.drop();
    if (process.env.HARAKA_LOGS) process.stdout.write(logs);
  });

  it('accepts a domain added through the API at once and refuses it as relaying once removed', async () => {
    const before = await rcpt('alice@fresh.example');
    expect(before.code).toBe(550);
    expect(before.text).toMatch(/^5\.7\.1 Relaying denied: fresh\.example is not served here/);

    await request(server).post('/v1/domains').set(op).send({ name: 'fresh.example', tenantId }).expect(201);
    const accepted = await until('alice@fresh.example', 250);
    expect(accepted.text).toMatch(/OK|Recipient/i);
    // the quick start's domain from config/host_list is still accepted; any other domain is relaying
    expect((await rcpt('bob@example.net')).code).toBe(250);
    expect((await rcpt('x@elsewhere.example')).code).toBe(550);

    // recipient validation: unknown mailboxes refused with 550 5.1.1, known ones accepted
    await request(server)
      .patch('/v1/domains/fresh.example')
      .set(op)
      .send({ unknownRecipients: 'reject' })
      .expect(200);
    const unknown = await until('nobody@fresh.example', 550);
    expect(unknown.text).toMatch(/^5\.1\.1 No such user here/);
    await request(server).post('/v1/users').set(op).send({ address: 'carol@fresh.example' }).expect(201);
    await until('carol@fresh.example', 250);

    await request(server).delete('/v1/domains/fresh.example').set(op).expect(204);
    const removed = await until('alice@fresh.example', 550);
    expect(removed.text).toMatch(/^5\.7\.1 Relaying denied/);
    // alice had no cached answer (carol's creation dropped the caches), so her refusal comes from the database at once;
    // carol's answer is cached until the removal's directory change reaches the filter through the outbox and Kafka
    const carol = await until('carol@fresh.example', 550);
    expect(carol.text).toMatch(/^5\.7\.1 Relaying denied/);
  }, 60_000);
});
