/**
 * A stand-in for apps/filter that speaks the same HTTP contract (POST /v1/scan, POST /v1/recipient), with scripted
 * answers, so the SMTP tests can also make the filter hang, drop connections, answer garbage or die. The AUTH guard's
 * routes (POST /v1/auth/check, /v1/auth/result, asked on submission) allow every AUTH unless a test scripts them.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  SCAN_HEADERS,
  type Action,
  type ScanVerdict,
  type RecipientVerdict,
  type SmtpReply,
  type Direction,
} from '@spamfilter/domain';
import { overallAction } from '@spamfilter/scoring';
import { planDelivery } from '../../apps/filter/src/services/delivery-plan';

export interface FakeRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly rcptTo: string[];
}

export type Answer = { status: number; body: string } | 'hang' | 'drop';
export type Handler = (req: FakeRequest) => Answer;

const SMTP: Record<Action, SmtpReply> = {
  accept: { code: 250, enhanced: '2.0.0', message: 'OK' },
  tag: { code: 250, enhanced: '2.0.0', message: 'OK' },
  hold: { code: 250, enhanced: '2.0.0', message: 'OK' },
  greylist: { code: 451, enhanced: '4.7.1', message: 'Greylisted, please retry later' },
  defer: { code: 421, enhanced: '4.7.0', message: 'Sending rate exceeded, try again later' },
  reject: { code: 550, enhanced: '5.7.1', message: 'Message refused as spam' },
  block: { code: 550, enhanced: '5.7.1', message: 'Account blocked' },
};

let counter = 0;
export function fakeReference(): string {
  counter++;
  return `01JFAKE${String(counter).padStart(19, '0')}`;
}

/** A verdict in the contract's shape: actions per recipient, headers the way the filter would send them. */
export function scanVerdict(
  actions: Readonly<Record<string, Action>>,
  score = 6.5,
  reference = fakeReference(),
  direction: Direction = 'inbound',
  /** Headers about the message, not a recipient (e.g. the outbound pool tag): in every copy, as the filter does. */
  messageHeaders: readonly (readonly [string, string])[] = [],
): ScanVerdict {
  const plan = planDelivery({
    direction,
    reference,
    recipients: Object.entries(actions).map(([recipient, action]) => ({
      recipient,
      action,
      score,
      tagThreshold: 5,
      symbols: [],
    })),
    shared: [],
    messageHeaders,
  });
  const recipients: RecipientVerdict[] = Object.entries(actions).map(([recipient, action], i) => ({
    recipient,
    action,
    score,
    thresholds: { tag: 5, greylist: 3, reject: 15 },
    symbols: [],
    reason: `${action} (fake filter)`,
    smtp: {
      ...SMTP[action],
      message:
        action === 'reject' || action === 'block'
          ? `${SMTP[action].message} (ref ${reference})`
          : SMTP[action].message,
    },
    disposition: plan.dispositions[i],
  }));
  const { action: worst, smtpAction } = overallAction(recipients.map((r) => r.action));
  return {
    reference,
    action: worst,
    score,
    recipients,
    symbols: [],
    headers: [['X-Spam-Score', score.toFixed(2)], ...messageHeaders],
    reason: `${worst} (fake filter)`,
    smtp: recipients.find(
      (r) =>
        r.action === (plan.delivery.outcome === 'refuse' && direction === 'outbound' ? worst : smtpAction),
    )!.smtp,
    delivery: plan.delivery,
    elapsedMs: 1,
  };
}

export const ok = (value: unknown): Answer => ({ status: 200, body: JSON.stringify(value) });
export const recipientAnswer = (action: Action, message?: string): Answer =>
  ok({
    action,
    smtp: { ...SMTP[action], message: message ?? SMTP[action].message },
    reason: `${action} (fake filter)`,
  });

/** The filter's answers when nothing is locked out. */
export const allowAuth: Handler = (req) =>
  req.path === '/v1/auth/check'
    ? ok({ allow: true })
    : ok({ failures: { ip: 0, account: 0 }, lockedNow: [] });

export class FakeFilter {
  readonly requests: FakeRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private server: http.Server;
  url = '';

  constructor(
    public handler: Handler,
    public authHandler: Handler = allowAuth,
  ) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rcptHeader = req.headers[SCAN_HEADERS.rcptTo];
        const request: FakeRequest = {
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
          rcptTo: typeof rcptHeader === 'string' && rcptHeader ? rcptHeader.split(',') : [],
        };
        this.requests.push(request);
        const answer = request.path.startsWith('/v1/auth/')
          ? this.authHandler(request)
          : this.handler(request);
        if (answer === 'hang') return;
        if (answer === 'drop') return req.socket.destroy();
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body);
      });
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  scans(): FakeRequest[] {
    return this.requests.filter((r) => r.path === '/v1/scan');
  }

  /** Stops listening and cuts every connection, like a crashed process. */
  async kill(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
