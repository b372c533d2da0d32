import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import { readSmallBody } from '../controllers/small-body';
import { OutboundProtection } from './outbound-protection';

const MAX_BODY = 4096;

/** One MTA report: what became of an account's recipients (delivered, or failed: unknown user, hard bounce). */
export const deliveryReportSchema = z
  .object({
    authUser: z.string().trim().min(1).max(320).optional(),
    mailFrom: z.string().trim().max(320).default(''),
    delivered: z.number().int().min(0).max(1000),
    failed: z.number().int().min(0).max(1000),
  })
  .strict()
  .refine((r) => r.authUser !== undefined || r.mailFrom !== '', { message: 'authUser or mailFrom is required' });

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/**
 * POST /v1/outbound/deliveries: the MTA's delivery outcomes per sending account, the input of the failed-recipient
 * ratio limit (OUTBOUND_FAILED_RCPT_RATIO). JSON { authUser?, mailFrom?, delivered, failed } → 204. The filter runs
 * without Nest's body parser (the scan route streams), so the small JSON body is read here.
 */
@Controller('v1/outbound')
export class DeliveryReportController {
  constructor(@Inject(OutboundProtection) private readonly outbound: OutboundProtection) {}

  @Post('deliveries')
  async report(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    const text = await readSmallBody(req, MAX_BODY);
    if (text === null) return send(res, 413, { error: `body larger than ${MAX_BODY} bytes` });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return send(res, 400, { error: 'body must be JSON' });
    }
    const parsed = deliveryReportSchema.safeParse(json);
    if (!parsed.success) return send(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`) });
    const r = parsed.data;
    try {
      await this.outbound.recordDelivery({ ...(r.authUser ? { authUser: r.authUser } : {}), mailFrom: r.mailFrom }, { delivered: r.delivered, failed: r.failed });
    } catch (err) {
      return send(res, 503, { error: `counter store unavailable: ${err instanceof Error ? err.message : String(err)}` });
    }
    res.writeHead(204).end();
  }
}
