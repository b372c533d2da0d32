/**
 * The whole mailbox loop on one machine, for test/mailbox and bench/imap: the embedded product (filter + API +
 * learner in this process on a SQLite file and the in-process bus, wired as scripts/embedded.ts wires it), a real
 * Haraka inbound MX delivering over LMTP (haraka/inbound/config with haraka/inbound-lmtp/config laid over it), and a
 * real Dovecot of its own (test/mailbox/dovecot-process.ts) whose IMAPSieve hook reports Junk moves to the API with
 * a mailbox service key. Users read their mail with a real IMAP client (imapflow).
 */
import type { INestApplication } from '@nestjs/common';
import { messageFingerprint, tokenize, GLOBAL_SCOPE } from '@spamfilter/bayes';
import { loadConfig, type AppConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import { parseMessageSync } from '@spamfilter/mail';
import { DomainEntity, openDataSource, PolicyRepository, TypeOrmBayesStore } from '@spamfilter/persistence';
import { ImapFlow } from 'imapflow';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { startApiApp } from '../../apps/api/src/bootstrap';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { FilterDatabase } from '../../apps/filter/src/services/persistence/filter-database';
import { bearer, OPERATOR_KEY } from '../api/api-fixtures';
import { TcpProxy } from '../services/tcp-proxy';
import { sendOnce, startHaraka, type HarakaHandle } from '../smtp/harness';
import { dovecotInstalled, startDovecot, type DovecotHandle } from './dovecot-process';
import { freePorts, ROOT } from './mailbox-harness';

export const DOMAIN = 'example.net';
/** Every loop user's mailbox (IMAP) password. */
export const MAILBOX_PASSWORD = 'imap-secret';
const PASSWORD = MAILBOX_PASSWORD;
const LMTP_OVERLAY = path.join(ROOT, 'haraka', 'inbound-lmtp', 'config');

export interface MailboxUser {
  readonly id: string;
  readonly address: string;
}

export interface MailboxLoop {
  readonly api: INestApplication;
  readonly apiUrl: string;
  readonly db: DataSource;
  readonly filter: FilterApp;
  /** The filter's base URL (with filterToken, what another Haraka of the test would call). */
  readonly filterUrl: string;
  readonly filterToken: string;
  readonly haraka: HarakaHandle;
  readonly dovecot: DovecotHandle;
  readonly users: Readonly<Record<string, MailboxUser>>;
  /** The proxy between the hook and the API (apiProxy), else null. */
  readonly apiProxy: TcpProxy | null;
  /** One SMTP transaction to Haraka inbound; resolves to DATA's reply code. */
  send(to: readonly string[], raw: Buffer): Promise<number>;
  /** A logged-in IMAP client for a user (the caller logs out). */
  imap(address: string): Promise<ImapFlow>;
  /** The filter's verdict for a message to these recipients, as Haraka would ask for it (not delivered). */
  scan(raw: Buffer, rcpts: readonly string[], clientIp?: string): Promise<ScanVerdict>;
  close(): Promise<void>;
}

export interface MailboxLoopOptions {
  /** Local parts of the users in example.net (each gets a mailbox and a filter account). */
  readonly users: readonly string[];
  /** Trains the global layer before the filter starts, so Bayes speaks (BAYES_MIN_LEARNS). */
  readonly seed?: { readonly spam: readonly Buffer[]; readonly ham: readonly Buffer[] };
  /** Policy layers of single users (by local part), as an operator or the user would set them. */
  readonly userPolicies?: Readonly<Record<string, unknown>>;
  /** The hook reaches the API through a TCP proxy the test can cut (an API outage as the mail store sees it). */
  readonly apiProxy?: boolean;
  /** Extra configuration (environment keys). */
  readonly env?: Readonly<Record<string, string>>;
  /** The web console's mailbox sign-in checks passwords at this loop's Dovecot (CONSOLE_IMAP_URL). */
  readonly consoleImap?: boolean;
}

export async function startMailboxLoop(opts: MailboxLoopOptions): Promise<MailboxLoop> {
  if (!dovecotInstalled()) {
    throw new Error(
      'Dovecot is not installed (dovecot-imapd, dovecot-lmtpd, dovecot-sieve): run `bash scripts/services.sh up dovecot`',
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-mailbox-loop-'));
  const filterToken = randomBytes(18).toString('base64url');
  // Ports first: the configuration may name Dovecot's IMAP port (the console's mailbox sign-in).
  const [imapPort, lmtpPort, proxyPort, mxPort] = await freePorts(4);
  const config: AppConfig = loadConfig({
    DB_TYPE: 'sqlite',
    DB_SQLITE_PATH: path.join(dir, 'spamfilter.sqlite'),
    BUS: 'memory',
    API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    FILTER_HOST: '127.0.0.1',
    FILTER_PORT: '0',
    FILTER_API_TOKEN: filterToken,
    BAYES_MIN_LEARNS: '10',
    DNS_MODE: 'off',
    SCAN_LOG_FLUSH_MS: '20',
    OUTBOX_POLL_MS: '50',
    // Bayes alone, as a deployment scores until its first logistic snapshot. With the trainer on, the first mark
    // starts a retrain within LOGISTIC_CHECK_INTERVAL_MS and the global logistic component then outweighs one user's
    // first mark on a message the global model calls ham (measured: -3 → 0 and → 3.15, not tagged) — a question for the
    // learning side (the first-mark effect), not for the mailbox loop, and a race that made these runs flaky.
    LOGISTIC_TRAINER_ENABLED: 'false',
    ...(opts.consoleImap ? { CONSOLE_IMAP_URL: `imap://127.0.0.1:${imapPort}` } : {}),
    // A released quarantine copy goes back in through this loop's MX (Haraka → LMTP → Dovecot).
    RELEASE_INBOUND_SMTP: `127.0.0.1:${mxPort}`,
    ...opts.env,
  });
  const cleanups: (() => Promise<void>)[] = [async () => fs.rmSync(dir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    // One data source for both apps, as scripts/embedded.ts (two connections to one SQLite file would wait on
    // each other's write lock).
    const db = await openDataSource(config.database);
    cleanups.push(() => db.destroy());
    const api = await startApiApp(config, { logger: ['error'], dataSource: db });
    cleanups.push(() => api.app.close());
    const server = api.app.getHttpServer() as never;

    const users: Record<string, MailboxUser> = {};
    for (const local of opts.users) {
      const address = `${local}@${DOMAIN}`;
      const res = await request(server)
        .post('/v1/users')
        .set(bearer(OPERATOR_KEY))
        .send({ address })
        .expect(201);
      users[address] = { id: res.body.id as string, address };
    }
    // What the mail store's hook marks with: a mailbox service key for the domain (POST /v1/mailbox-keys).
    const key = await request(server)
      .post('/v1/mailbox-keys')
      .set(bearer(OPERATOR_KEY))
      .send({ domain: DOMAIN, label: 'dovecot (test)' })
      .expect(201);
    // The domain's policy as an operator would set it: no greylisting, so a message whose score rose into the
    // greylisting band is tagged at once instead of deferred (this loop is about the mailbox, not retries).
    const domain = await db.getRepository(DomainEntity).findOneByOrFail({ name: DOMAIN });
    await new PolicyRepository(db).upsert(
      { scope: 'domain', domainId: domain.id },
      { greylisting: { enabled: false } },
      0,
      'test',
    );
    for (const [local, document] of Object.entries(opts.userPolicies ?? {})) {
      const user = users[`${local}@${DOMAIN}`];
      if (!user) throw new Error(`userPolicies: no user ${local}`);
      await new PolicyRepository(db).upsert({ scope: 'user', userId: user.id }, document, 0, 'test');
    }
    if (opts.seed) {
      const store = TypeOrmBayesStore.of(db);
      const now = new Date();
      for (const [label, msgs] of [
        ['spam', opts.seed.spam],
        ['ham', opts.seed.ham],
      ] as const) {
        for (const raw of msgs) {
          await store.train(
            GLOBAL_SCOPE,
            messageFingerprint(raw),
            tokenize(parseMessageSync(raw)).ids,
            label,
            now,
          );
        }
      }
    }

    const filter = await createFilterApp(config, {
      database: new FilterDatabase(config.database, undefined, db),
      connectCounters: true,
      connectBus: true,
      connectOutbound: true,
      defaultMetrics: false,
    });
    cleanups.push(() => filter.close());
    const filterUrl = await filter.listen();

    let apiProxy: TcpProxy | null = null;
    let markApiUrl = api.url;
    if (opts.apiProxy) {
      const target = new URL(api.url);
      apiProxy = new TcpProxy(proxyPort!, { host: target.hostname, port: Number(target.port) });
      await apiProxy.start();
      cleanups.push(() => apiProxy!.stop());
      markApiUrl = `http://127.0.0.1:${apiProxy.port}`;
    }
    const dovecot = await startDovecot({
      imapPort: imapPort!,
      lmtpPort: lmtpPort!,
      users: Object.fromEntries(Object.keys(users).map((a) => [a, PASSWORD])),
      key: key.body.token as string,
      mark: { SPAMFILTER_API_URL: markApiUrl, SPAMFILTER_TIMEOUT: '5' },
    });
    cleanups.push(() => dovecot.stop());

    const overlay = (name: string): string => fs.readFileSync(path.join(LMTP_OVERLAY, name), 'utf8');
    // Not jest's NODE_ENV=test: under it Haraka's outbound sends LHLO without a host name (haraka-net-utils'
    // HarakaMx skips its default there) and Dovecot answers 501.
    const { NODE_ENV: _jest, ...env } = process.env;
    const haraka = await startHaraka({
      kind: 'inbound',
      port: mxPort,
      filterUrl,
      sinkPort: 1, // unused: queue/lmtp delivers, not smtp_forward
      hostList: [DOMAIN],
      spamfilter: { main: { token: filterToken, fail_open: 'false' } },
      env,
      files: {
        plugins: overlay('plugins'),
        'outbound.ini': overlay('outbound.ini'),
        'lmtp.ini': `[main]\nhost=127.0.0.1\nport=${dovecot.lmtpPort}\n`,
      },
    });
    cleanups.push(() => haraka.stop());

    return {
      api: api.app,
      apiUrl: api.url,
      db,
      filter,
      filterUrl,
      filterToken,
      haraka,
      dovecot,
      users,
      apiProxy,
      async send(to, raw) {
        const crlf = Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
        const r = await sendOnce(haraka.port, { from: 'news@list.example', to }, crlf);
        return r.data?.code ?? r.rcpt.find((x) => x.code !== 250)?.code ?? r.mail.code;
      },
      async imap(address) {
        const client = new ImapFlow({
          host: '127.0.0.1',
          port: dovecot.imapPort,
          secure: false,
          auth: { user: address, pass: PASSWORD },
          logger: false,
        });
        await client.connect();
        return client;
      },
      async scan(raw, rcpts, clientIp = '198.51.100.20') {
        const res = await request(filter.server)
          .post('/v1/scan')
          .set({
            authorization: `Bearer ${filterToken}`,
            [SCAN_HEADERS.clientIp]: clientIp,
            [SCAN_HEADERS.helo]: 'mail.sender.example',
            [SCAN_HEADERS.mailFrom]: 'news@other.example',
            [SCAN_HEADERS.rcptTo]: rcpts.join(','),
            [SCAN_HEADERS.direction]: 'inbound',
            'content-type': 'message/rfc822',
          })
          .send(raw);
        if (res.status !== 200) throw new Error(`scan answered ${res.status}: ${JSON.stringify(res.body)}`);
        return res.body as ScanVerdict;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export interface Delivered {
  readonly uid: number;
  readonly mailbox: string;
  readonly source: Buffer;
  header(name: string): string | undefined;
}

/** The messages in a mailbox whose Message-ID is `messageId` (with the headers the filter and Dovecot added). */
export async function findDelivered(
  client: ImapFlow,
  mailbox: string,
  messageId: string,
): Promise<Delivered[]> {
  const lock = await client.getMailboxLock(mailbox);
  try {
    const found: Delivered[] = [];
    const uids = await client.search({ header: { 'message-id': messageId } }, { uid: true });
    if (!uids || uids.length === 0) return [];
    for await (const m of client.fetch(uids, { uid: true, source: true }, { uid: true })) {
      const source = m.source ?? Buffer.alloc(0);
      found.push({ uid: m.uid, mailbox, source, header: (name) => headerOf(source, name) });
    }
    return found;
  } finally {
    lock.release();
  }
}

function headerOf(raw: Buffer, name: string): string | undefined {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const prefix = `${name.toLowerCase()}:`;
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(prefix));
  return line?.slice(prefix.length).trim();
}

/** The Message-ID of a raw message, with its angle brackets. */
export function messageIdOf(raw: Buffer): string {
  const id = headerOf(raw, 'message-id');
  if (!id) throw new Error('message without a Message-ID');
  return id;
}

/**
 * The n-th issue of a message: the same text with its own Message-ID and a line naming the issue, CRLF line ends
 * (a newsletter's next issue, for "the next similar message").
 */
export function issue(raw: Buffer, n: number, tag = randomBytes(4).toString('hex')): Buffer {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n');
  const split = text.indexOf('\r\n\r\n');
  const head = (split < 0 ? text : text.slice(0, split))
    .split('\r\n')
    .filter(
      (l, i, lines) =>
        !/^message-id:/i.test(l) && !(/^[ \t]/.test(l) && /^message-id:/i.test(lines[i - 1] ?? '')),
    )
    .join('\r\n');
  const body = split < 0 ? '\r\n' : text.slice(split + 4);
  return Buffer.from(
    `${head}\r\nMessage-ID: <issue-${n}-${tag}@list.example>\r\n\r\n${body}\r\nissue ${n}\r\n`,
    'latin1',
  );
}
