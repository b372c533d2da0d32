import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyAbortedError, BodyTooLargeError, readBody } from '../services/body-reader';
import { parseEnvelope } from '../services/envelope.parser';
import { FilterServices } from '../services/filter-services';

/**
 * POST /v1/scan and POST /v1/recipient (the HTTP contract with the Haraka plugin; SCAN_HEADERS in libs/domain).
 * Thin: validate the envelope, read the body within the limit, make one service call, write JSON. Bad input is a 4xx
 * with a one-line reason, never a 500; a failure of the scan itself follows the fail-open switch (SCAN_FAIL_OPEN).
 */
@Controller('v1')
export class ScanController {
  constructor(@Inject(FilterServices) private readonly services: FilterServices) {}

  @Post('scan')
  async scan(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    const s = this.services;
    const env = parseEnvelope(req.headers, { maxRecipients: s.config.maxRecipients });
    if (!env.ok) return this.refuse(req, res, 400, env.reason);
    const type = (req.headers['content-type'] ?? 'message/rfc822').split(';')[0].trim().toLowerCase();
    if (!['message/rfc822', 'application/octet-stream', 'text/plain'].includes(type)) {
      return this.refuse(
        req,
        res,
        415,
        `Content-Type must be message/rfc822, got ${JSON.stringify(type.slice(0, 64))}`,
      );
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, s.config.maxMessageBytes, Math.max(5000, s.config.deadlineMs * 5));
    } catch (err) {
      if (err instanceof BodyTooLargeError) return this.refuse(req, res, 413, err.message);
      if (err instanceof BodyAbortedError)
        return this.refuse(req, res, 400, `message body not received: ${err.message}`);
      throw err;
    }
    if (raw.length === 0) return this.refuse(req, res, 400, 'message body is empty');
    try {
      const verdict = await s.scan.scan(env.envelope, raw);
      send(res, 200, verdict);
    } catch (err) {
      // A bug in the scan path. Explicit switch: fail open (accept, say so) or 451 so the sender retries.
      const message = err instanceof Error ? err.message : String(err);
      s.metrics.scanErrors.inc({ status: 'internal' });
      send(res, 503, { error: 'scan failed', reason: message.slice(0, 200), failOpen: s.config.failOpen });
    }
  }

  @Post('recipient')
  async recipient(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    // At connect the plugin knows only the client: no recipient, no MAIL FROM yet.
    const env = parseEnvelope(req.headers, {
      maxRecipients: 1,
      requireRecipients: false,
      requireMailFrom: false,
    });
    if (!env.ok) return this.refuse(req, res, 400, env.reason);
    req.resume();
    send(res, 200, await this.services.recipient.check(env.envelope));
  }

  private refuse(req: IncomingMessage, res: ServerResponse, status: number, reason: string): void {
    this.services.metrics.scanErrors.inc({ status: String(status) });
    // Do not read a refused body; close the connection after answering so the client stops sending.
    if (!req.complete) res.setHeader('Connection', 'close');
    send(res, status, { error: status === 413 ? 'payload too large' : 'bad request', reason });
    req.resume();
  }
}

export function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}
