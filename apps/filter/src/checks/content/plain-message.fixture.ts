import type { ParsedMessage } from '@spamfilter/mail';

/** A plain parsed message for the content checks' specs; each test spreads in what it is about. */
export const plainMessage: ParsedMessage = {
  headers: [],
  subject: 'hello',
  from: { name: 'A', address: 'a@shop.example.com' },
  replyTo: [],
  to: [],
  messageId: null,
  date: null,
  text: 'plain words',
  html: null,
  hasTextPart: true,
  hasHtmlPart: false,
  links: [],
  attachments: [],
  size: 100,
  defects: [],
  truncated: false,
};
