import { decodeEvent, EVENT_SCHEMAS } from './event-schemas';
import { TOPIC_NAMES, TOPICS } from './topics';

const feedback = {
  eventId: 'e1',
  userId: 'u1',
  tenantId: 't1',
  kind: 'learn',
  label: 'spam',
  reference: null,
  messageId: 'm1',
  occurredAt: '2026-11-22T12:00:00.000Z',
};

describe('event schemas', () => {
  it('has one schema per topic', () => {
    expect(Object.keys(EVENT_SCHEMAS).sort()).toEqual([...TOPIC_NAMES].sort());
  });

  it('accepts a feedback event, with and without the raw mark training data, keeping unknown fields', () => {
    const plain = decodeEvent(TOPICS.feedback, JSON.stringify(feedback));
    expect(plain).toEqual({ ok: true, event: feedback });
    const raw = {
      ...feedback,
      training: { tokens: [0, 7, 0xffffffff], sender: 'a@b.example', listUnsubscribe: true },
    };
    expect(decodeEvent(TOPICS.feedback, JSON.stringify(raw))).toEqual({ ok: true, event: raw });
    // a field a newer producer adds is kept, not refused (rolling deploys read new events with old consumers)
    const newer = { ...feedback, channel: 'imap' };
    expect(decodeEvent(TOPICS.feedback, JSON.stringify(newer))).toEqual({ ok: true, event: newer });
  });

  it.each([
    [
      'a missing user',
      { ...feedback, userId: undefined },
      /userId: Invalid input: expected string, received undefined/,
    ],
    ['an empty event id', { ...feedback, eventId: '' }, /eventId: /],
    [
      'an unknown kind',
      { ...feedback, kind: 'forget' },
      /kind: Invalid option: expected one of "learn"\|"undo"\|"unshare"/,
    ],
    ['a label that is not spam or ham', { ...feedback, label: 'junk' }, /label: /],
    [
      'training tokens that are not uint32',
      { ...feedback, training: { tokens: null, sender: null, listUnsubscribe: false } },
      /training\.tokens: /,
    ],
    [
      'a negative token',
      { ...feedback, training: { tokens: [-1], sender: null, listUnsubscribe: false } },
      /training\.tokens\.0: /,
    ],
    ['an array', [feedback], /\(event\): Invalid input: expected object, received array/],
    [
      'a learn event that names no message',
      { ...feedback, messageId: '' },
      /messageId: a learn or undo event names its message/,
    ],
    // zod 4 runs the refinement only on an object that passed its fields (it would read messageId.length of undefined)
    [
      'a missing message id',
      { ...feedback, messageId: undefined },
      /messageId: Invalid input: expected string, received undefined/,
    ],
  ])('refuses a feedback event with %s, naming the field', (_name, value, reason) => {
    const r = decodeEvent(TOPICS.feedback, JSON.stringify(value));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(/^not a spamfilter\.feedback\.v1 event: /);
      expect(r.reason).toMatch(reason);
    }
  });

  it("accepts an unshare event, which withdraws all of a user's marks and so names no message", () => {
    const unshare = { ...feedback, kind: 'unshare', label: null, messageId: '' };
    expect(decodeEvent(TOPICS.feedback, JSON.stringify(unshare))).toEqual({ ok: true, event: unshare });
  });

  it('refuses a value that is not JSON, and a message without a value, in one short line', () => {
    const garbage = decodeEvent(TOPICS.feedback, `{"eventId": "e1", ${'x'.repeat(5000)}`);
    expect(garbage.ok).toBe(false);
    if (!garbage.ok) {
      expect(garbage.reason).toMatch(/^not JSON: /);
      expect(garbage.reason.length).toBeLessThanOrEqual(300);
      expect(garbage.reason).not.toContain('\n');
    }
    expect(decodeEvent(TOPICS.feedback, null)).toEqual({
      ok: false,
      reason: 'no value (tombstone or empty message)',
    });
  });

  it('checks model changes, scan events and operator notices', () => {
    const change = {
      eventId: 'c1',
      kind: 'bayes',
      userId: null,
      version: 3,
      occurredAt: 'now',
      payload: { deltas: [] },
    };
    expect(decodeEvent(TOPICS.model, JSON.stringify(change)).ok).toBe(true);
    expect(decodeEvent(TOPICS.model, JSON.stringify({ ...change, kind: 'weights' })).ok).toBe(false);
    expect(decodeEvent(TOPICS.model, JSON.stringify({ ...change, version: 1.5 })).ok).toBe(false);

    const scan = {
      reference: 'R1',
      occurredAt: 'now',
      direction: 'inbound',
      clientIp: '192.0.2.1',
      mailFrom: 'a@b.example',
      authUser: null,
      recipients: [{ recipient: 'c@d.example', userId: 'u1', action: 'tag', score: 7.5 }],
      action: 'tag',
      score: 7.5,
    };
    expect(decodeEvent(TOPICS.scans, JSON.stringify(scan)).ok).toBe(true);
    const badRecipient = { ...scan, recipients: [{ ...scan.recipients[0], action: 'drop' }] };
    const r = decodeEvent(TOPICS.scans, JSON.stringify(badRecipient));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/recipients\.0\.action: /);

    const notice = {
      eventId: 'n1',
      kind: 'outbound_account_blocked',
      subject: 'acct',
      detail: {},
      occurredAt: 'now',
    };
    expect(decodeEvent(TOPICS.operator, JSON.stringify(notice)).ok).toBe(true);
    expect(decodeEvent(TOPICS.operator, JSON.stringify({ ...notice, detail: 'x' })).ok).toBe(false);
  });
});
