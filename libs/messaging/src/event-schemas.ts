import { ACTIONS, MODEL_CHANGE_KINDS } from '@spamfilter/domain';
import { z } from 'zod';
import type { TopicEvents, TopicName } from './topics';

/**
 * One schema per topic's event, checked on consume by every adapter: a value that is not JSON or not the topic's
 * event goes to the dead-letter topic instead of reaching a handler as `JSON.parse(...) as T`.
 *
 * Objects are loose (`.loose()`, `.passthrough()` before zod 4): a field a newer producer adds is kept and ignored,
 * not refused. During a rolling deploy old consumers read new producers' events, and a versioned topic only ever gains
 * optional fields (a breaking change gets a new topic, see topics.ts), so refusing unknown fields would dead-letter
 * every event of the new release.
 */

const id = z.string().min(1);
const jsonRecord = z.record(z.string(), z.unknown());

/**
 * The filter's training data a raw mark carries (the API adds it when no scan record holds the message; libs/bayes
 * ScanTraining). Checked here because the learner trains from it: token ids are unsigned 32-bit hashes.
 */
const scanTrainingSchema = z
  .object({
    tokens: z.array(z.number().int().min(0).max(0xffffffff)),
    sender: z.string().nullable(),
    listUnsubscribe: z.boolean(),
  })
  .loose();

const feedbackSchema = z
  .object({
    eventId: id,
    userId: id,
    tenantId: z.string(),
    kind: z.enum(['learn', 'undo', 'unshare']),
    label: z.enum(['spam', 'ham']).nullable(),
    reference: z.string().nullable(),
    // empty only for unshare: it withdraws all of a user's marks, not one message's
    messageId: z.string(),
    occurredAt: z.string(),
    training: scanTrainingSchema.optional(),
  })
  .loose()
  .refine((e) => e.kind === 'unshare' || e.messageId.length > 0, {
    error: 'a learn or undo event names its message',
    path: ['messageId'],
  });

const modelChangeSchema = z
  .object({
    eventId: id,
    kind: z.enum(MODEL_CHANGE_KINDS),
    userId: z.string().nullable(),
    version: z.number().int().nonnegative(),
    occurredAt: z.string(),
    payload: jsonRecord,
  })
  .loose();

const scanSchema = z
  .object({
    reference: id,
    occurredAt: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    clientIp: z.string(),
    mailFrom: z.string(),
    authUser: z.string().nullable(),
    recipients: z.array(
      z
        .object({
          recipient: z.string(),
          userId: z.string().nullable(),
          action: z.enum(ACTIONS),
          score: z.number(),
        })
        .loose(),
    ),
    action: z.enum(ACTIONS),
    score: z.number(),
  })
  .loose();

const operatorNoticeSchema = z
  .object({
    eventId: id,
    kind: id,
    subject: z.string(),
    detail: jsonRecord,
    occurredAt: z.string(),
  })
  .loose();

/** Topic → schema; the type keeps each schema's output assignable to the topic's event type. */
export const EVENT_SCHEMAS: { readonly [T in TopicName]: z.ZodType<TopicEvents[T], unknown> } = {
  'spamfilter.feedback.v1': feedbackSchema,
  'spamfilter.model.v1': modelChangeSchema,
  'spamfilter.scans.v1': scanSchema,
  'spamfilter.operator.v1': operatorNoticeSchema,
};

export type DecodedEvent<T extends TopicName> =
  { readonly ok: true; readonly event: TopicEvents[T] } | { readonly ok: false; readonly reason: string };

/** Longest reason kept (it travels in a Kafka header and a log line). */
const MAX_REASON = 300;

/**
 * Parses and checks one message value of `topic`. Failures are results with a one-line reason naming the first
 * problems (path and message), e.g. `userId: Invalid input: expected string, received undefined; kind: Invalid
 * option: expected one of "learn"|"undo"|"unshare"` (zod 4's wording).
 */
export function decodeEvent<T extends TopicName>(topic: T, value: string | null): DecodedEvent<T> {
  if (value === null) return { ok: false, reason: 'no value (tombstone or empty message)' };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (err) {
    return { ok: false, reason: clip(`not JSON: ${err instanceof Error ? err.message : String(err)}`) };
  }
  const parsed = EVENT_SCHEMAS[topic].safeParse(json);
  if (parsed.success) return { ok: true, event: parsed.data };
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(event)'}: ${i.message}`)
    .join('; ');
  return { ok: false, reason: clip(`not a ${topic} event: ${problems}`) };
}

function clip(s: string): string {
  const line = s.replace(/\s+/g, ' ');
  return line.length <= MAX_REASON ? line : `${line.slice(0, MAX_REASON - 1)}…`;
}
