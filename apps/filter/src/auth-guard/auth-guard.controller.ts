import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { accountOf, clientOf } from '@spamfilter/counters';
import { z } from 'zod';
import { send } from '../controllers/scan.controller';
import { readSmallBody } from '../controllers/small-body';
import { FilterServices } from '../services/filter-services';

const MAX_BODY = 8192;

const client = z
  .string()
  .max(100)
  .transform(
    (v, ctx) => clientOf(v) ?? (ctx.addIssue({ code: 'custom', message: 'must be an IP address' }), z.NEVER),
  );
// Any user name is counted (cut and lower-cased by accountOf): refusing odd ones with 400 would let an attacker skip
// the check, since the plugin lets AUTH go on when the filter does not answer.
const account = z.string().max(4096).transform(accountOf);

export const authCheckSchema = z.object({ ip: client, account: account.optional() }).strict();
export const authResultSchema = z
  .object({ ip: client, account: account.optional(), success: z.boolean() })
  .strict();

/**
 * SMTP AUTH abuse protection for the MTA (the spamfilter Haraka plugin): JSON in, JSON out.
 *   POST /v1/auth/check  { ip, account? }           → { allow: true } | { allow: false, reason: 'ip'|'account', retryAfterSeconds }
 *   POST /v1/auth/result { ip, account?, success }  → { failures: { ip, account }, lockedNow: [...] }
 * 400 for a malformed body, 503 when the counter store cannot be reached (the plugin then lets AUTH go on).
 */
@Controller('v1/auth')
export class AuthGuardController {
  constructor(@Inject(FilterServices) private readonly services: FilterServices) {}

  @Post('check')
  async check(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    const body = await this.body(req, res, authCheckSchema);
    if (!body) return;
    await this.answer(res, () => this.services.authGuard.check(body.ip, body.account ?? null));
  }

  @Post('result')
  async result(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    const body = await this.body(req, res, authResultSchema);
    if (!body) return;
    await this.answer(res, () => this.services.authGuard.report(body.ip, body.account ?? null, body.success));
  }

  private async body<T>(
    req: IncomingMessage,
    res: ServerResponse,
    schema: z.ZodType<T, unknown>,
  ): Promise<T | null> {
    const text = await readSmallBody(req, MAX_BODY);
    if (text === null) {
      send(res, 413, { error: `body larger than ${MAX_BODY} bytes` });
      return null;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      send(res, 400, { error: 'body must be JSON' });
      return null;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    send(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`) });
    return null;
  }

  private async answer(res: ServerResponse, run: () => Promise<unknown>): Promise<void> {
    let value: unknown;
    try {
      value = await run();
    } catch (err) {
      return send(res, 503, {
        error: `counter store unavailable: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
    send(res, 200, value);
  }
}
