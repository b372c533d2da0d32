import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { readSmallBody } from '../controllers/small-body';
import { deliveryCounts, deliveryReportSchema } from './delivery-report';
import { DeliveryResults } from './delivery-results';
import { OutboundProtection } from './outbound-protection';

/** A report for SCAN_MAX_RECIPIENTS recipients with their next hop's replies fits (512 characters of text each). */
const MAX_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

/**
 * POST /v1/outbound/deliveries: the MTA's delivery results per outbound transaction (delivery-report.ts) → 204. Each
 * recipient's result is stored under the message's reference (the sender's delivery status, support's transcript),
 * and the counts derived from the same results feed the failed-recipient ratio limit (OUTBOUND_FAILED_RCPT_RATIO).
 * The filter runs without Nest's body parser (the scan route streams), so the JSON body is read here.
 */
@Controller('v1/outbound')
export class DeliveryReportController {
  constructor(
    @Inject(OutboundProtection) private readonly outbound: OutboundProtection,
    @Inject(DeliveryResults) private readonly results: DeliveryResults,
  ) {}

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
    if (!parsed.success)
      return send(res, 400, {
        error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
      });
    const r = parsed.data;
    // Counted and stored independently: one failing does not lose the other (the plugin does not resend).
    const problems: string[] = [];
    try {
      await this.outbound.recordDelivery(
        { ...(r.authUser ? { authUser: r.authUser } : {}), mailFrom: r.mailFrom },
        deliveryCounts(r),
      );
    } catch (err) {
      problems.push(`counter store unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
    if ('recipients' in r && r.reference && r.recipients.length > 0) {
      try {
        await this.results.add(r.reference, r.queueId ?? null, r.recipients);
      } catch (err) {
        problems.push(`delivery results not stored: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (problems.length > 0) return send(res, 503, { error: problems.join('; ') });
    res.writeHead(204).end();
  }
}
