import { parseMessageSafe, type ParseLimits } from '@spamfilter/mail';

export interface QuarantineView {
  readonly headers: [string, string][];
  readonly text: string;
  readonly textTruncated: boolean;
  readonly hasHtml: boolean;
  readonly attachments: { filename: string; contentType: string; size: number }[];
}

const PREVIEW_CHARS = 20_000;
const MAX_HEADERS = 200;
const MAX_HEADER_VALUE = 2000;

/** Control characters other than tab and line feed: a preview is text for a person, nothing a terminal acts on. */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * What a person may safely see of a kept message: its header fields (decoded), its text — the plain-text part, or
 * the HTML reduced to text by libs/mail, never the HTML itself (no markup, no remote images, no scripts reach a
 * browser from here) — cut to a preview, and its attachments by name and size, never their contents.
 */
export function quarantineView(raw: Buffer, limits: ParseLimits): QuarantineView {
  const parsed = parseMessageSafe(raw, limits);
  const clean = (s: string): string => s.replace(/\r\n?/g, '\n').replace(CONTROLS, '');
  const text = clean(parsed.text);
  return {
    headers: parsed.headers
      .slice(0, MAX_HEADERS)
      .map((h) => [h.name, clean(h.value).slice(0, MAX_HEADER_VALUE)]),
    text: text.slice(0, PREVIEW_CHARS),
    textTruncated: text.length > PREVIEW_CHARS || parsed.truncated,
    hasHtml: parsed.hasHtmlPart,
    attachments: parsed.attachments.map((a) => ({
      filename: clean(a.filename),
      contentType: a.contentType,
      size: a.size,
    })),
  };
}
