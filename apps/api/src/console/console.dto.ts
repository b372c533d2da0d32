import { API_ROLES } from '../guards/principal';
import { ACTIONS } from '@spamfilter/domain';
import { z } from 'zod';

/*
 * Shapes of the console's own routes (sessions, the operators' dashboard, a domain's mailboxes). The routes validate
 * with these and the OpenAPI document is generated from them (openapi/zod-openapi.ts).
 */
const isoTime = z.iso.datetime({ offset: true });

/** POST /v1/session: the key comes in the Authorization header, once; the body carries nothing secret. */
export const openSessionSchema = z
  .object({})
  .strict()
  .optional()
  .describe('empty (or no body): the API key is the Authorization header');

export const mailboxSignInSchema = z
  .object({
    address: z
      .string()
      .trim()
      .toLowerCase()
      .max(320)
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be a mail address'),
    password: z.string().min(1).max(1024),
  })
  .strict();
export type MailboxSignIn = z.infer<typeof mailboxSignInSchema>;

export const sessionViewSchema = z.object({
  role: z.enum(API_ROLES),
  address: z.string().nullable().describe('the mailbox, null for keys without one'),
  domain: z.string().nullable().describe("a domain admin's domain; a user's address domain"),
  tenantId: z.string(),
  via: z
    .enum(['key', 'imap', 'bearer'])
    .describe(
      'key/imap: a console session opened with an API key or the mailbox password; bearer: a key on this call',
    ),
  expiresAt: isoTime
    .nullable()
    .describe('when the console session ends at the latest (null for bearer calls)'),
  idleMinutes: z.number().int().describe('the session ends after this long without a request'),
  mailboxSignIn: z.boolean().describe('whether sign-in with the mailbox password is configured'),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

/** GET /v1/session/options (no sign-in needed): what the sign-in page may offer. */
export const signInOptionsSchema = z.object({
  mailboxSignIn: z
    .boolean()
    .describe('CONSOLE_IMAP_URL is set: users may sign in with their mailbox password'),
});

export const dashboardQuerySchema = z
  .object({
    hours: z.coerce.number().int().min(1).max(720).default(24).describe('how far back (hours), ending now'),
    top: z.coerce.number().int().min(1).max(50).default(10).describe('rows of each top list'),
  })
  .strict();
export type DashboardQuery = z.infer<typeof dashboardQuerySchema>;

const actionCounts = z.record(z.enum(ACTIONS), z.number().int()).describe('messages per action');
export const dashboardViewSchema = z.object({
  since: isoTime,
  until: isoTime,
  bucketMinutes: z.number().int(),
  series: z
    .array(z.object({ at: isoTime, inbound: actionCounts, outbound: actionCounts }))
    .describe('messages per action per bucket (every bucket of the range, empty ones included)'),
  totals: z.object({ inbound: actionCounts, outbound: actionCounts }),
  topSymbols: z
    .array(z.object({ name: z.string(), hits: z.number().int(), score: z.number() }))
    .describe('counted over the newest messages of the range (symbolsSampled)'),
  symbolsSampled: z
    .number()
    .int()
    .describe('messages whose symbols were counted: the newest of the range, at most 5,000'),
  topRefusedSenders: z.array(z.object({ sender: z.string(), count: z.number().int() })),
  topRefusedIps: z.array(z.object({ ip: z.string(), count: z.number().int() })),
  marks: z.array(
    z.object({ at: isoTime, spam: z.number().int(), ham: z.number().int(), undo: z.number().int() }),
  ),
  learner: z.object({
    sampled: z.number().int().describe('marks of the range looked at (the newest, at most 2,000)'),
    pending: z.number().int().describe('of those, not yet applied by the learner'),
    oldestPendingSeconds: z.number().nullable(),
    lagP50Ms: z.number().nullable().describe('mark accepted → learner applied it, median'),
    lagP95Ms: z.number().nullable(),
    lagMaxMs: z.number().nullable(),
  }),
  nearAutoBlock: z
    .array(
      z.object({
        account: z.string(),
        recentSpam: z
          .number()
          .int()
          .describe('spam verdicts (hold, reject) within the automatic block window'),
        threshold: z.number().int().describe('OUTBOUND_AUTOBLOCK_SPAM_COUNT (0: automatic blocks are off)'),
        status: z.enum(['active', 'blocked']),
      }),
    )
    .describe(
      'sending accounts with spam verdicts in the automatic block window, closest to the threshold first',
    ),
});
export type DashboardView = z.infer<typeof dashboardViewSchema>;

export const mailboxListQuerySchema = z
  .object({
    domain: z
      .string()
      .trim()
      .toLowerCase()
      .max(253)
      .optional()
      .describe("the domain; default: a domain admin's own"),
    search: z.string().trim().max(320).optional().describe('part of the address'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type MailboxListQuery = z.infer<typeof mailboxListQuerySchema>;

export const mailboxPageSchema = z.object({
  domain: z.string(),
  total: z.number().int(),
  items: z.array(
    z.object({ id: z.string(), address: z.string(), displayName: z.string().nullable(), createdAt: isoTime }),
  ),
});
export type MailboxPage = z.infer<typeof mailboxPageSchema>;
