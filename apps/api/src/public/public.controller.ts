import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  HttpException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiExcludeController, ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { Public } from '../guards/auth.decorators';
import { renderLookupPage, renderMessagePage, renderRefusalPage } from './public-page';
import { PublicRefusalService } from './public.service';

interface ClientRequest {
  readonly ip?: string;
  readonly socket?: { readonly remoteAddress?: string };
}

interface HtmlResponse {
  status(code: number): HtmlResponse;
  setHeader(name: string, value: string): void;
  send(body: string): void;
}

function clientOf(req: ClientRequest): string {
  return req.ip ?? req.socket?.remoteAddress ?? 'unknown';
}

export const reviewRequestSchema = z
  .object({
    reference: z.string().trim().max(40),
    email: z
      .string()
      .trim()
      .toLowerCase()
      .max(320)
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an e-mail address'),
    message: z.string().trim().min(1, 'tell the mail team what changed').max(2000),
  })
  .strict();
type ReviewRequest = z.infer<typeof reviewRequestSchema>;

/** Pages are about one message of one sender: never cached, never sent on as a referrer. */
const PRIVATE_HEADERS: [string, string][] = [
  ['cache-control', 'no-store'],
  ['referrer-policy', 'no-referrer'],
  ['x-content-type-options', 'nosniff'],
  ['content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"],
];

/**
 * The public "why was my mail refused?" page (no login; rate-limited per client IP): an HTML page at /why for
 * people and the same as JSON under /v1/public for tools. Unknown, malformed and not-refused references all get
 * the same 404. Left out of /openapi.json, which documents the authenticated API (test/api checks that every route
 * there answers 401 without a key); the JSON shapes are PublicRefusal and { reference, email, message }.
 */
@ApiExcludeController()
@Public()
@Controller()
export class PublicController {
  constructor(private readonly refusals: PublicRefusalService) {}

  @Get('v1/public/refusals/:reference')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Why a message was refused, in plain words, from the reference in the bounce' })
  lookup(@Param('reference') reference: string, @Req() req: ClientRequest) {
    return this.refusals.lookup(reference, clientOf(req));
  }

  @Post('v1/public/delist-requests')
  @HttpCode(202)
  @ApiOperation({ summary: 'Ask the mail team to review a refusal (queued for operators)' })
  request(@Body(new ZodPipe(reviewRequestSchema)) body: ReviewRequest, @Req() req: ClientRequest) {
    return this.refusals.requestReview(body, clientOf(req));
  }

  @Get('why')
  async page(@Query('ref') ref: unknown, @Req() req: ClientRequest, @Res() res: HtmlResponse): Promise<void> {
    if (typeof ref !== 'string' || ref.trim() === '') return this.html(res, 200, renderLookupPage());
    try {
      this.html(res, 200, renderRefusalPage(await this.refusals.lookup(ref, clientOf(req))));
    } catch (err) {
      this.htmlError(res, err);
    }
  }

  @Post('why/review')
  async review(@Body() body: unknown, @Req() req: ClientRequest, @Res() res: HtmlResponse): Promise<void> {
    const parsed = reviewRequestSchema.safeParse(body);
    if (!parsed.success) {
      return this.html(
        res,
        400,
        renderMessagePage(
          'Please check the form',
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        ),
      );
    }
    try {
      await this.refusals.requestReview(parsed.data, clientOf(req));
      this.html(
        res,
        202,
        renderMessagePage(
          'Thank you',
          'Your request is queued for the mail team. You will hear from them at the address you gave.',
        ),
      );
    } catch (err) {
      this.htmlError(res, err);
    }
  }

  private html(res: HtmlResponse, status: number, body: string): void {
    res.status(status);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    for (const [k, v] of PRIVATE_HEADERS) res.setHeader(k, v);
    res.send(body);
  }

  private htmlError(res: HtmlResponse, err: unknown): void {
    if (!(err instanceof HttpException)) throw err;
    const status = err.getStatus();
    const title = status === 404 ? 'Not found' : status === 429 ? 'Slow down' : 'Sorry';
    this.html(res, status, renderMessagePage(title, err.message));
  }
}
