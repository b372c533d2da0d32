/**
 * A message decoded once per scan and shared by every consumer (content checks, Bayes tokenizer, message log).
 * Produced by `parseMessage()` in this library; consumers never parse raw bytes themselves.
 */
export interface ParsedAddress {
  /** Display name, decoded (RFC 2047), possibly ''. */
  readonly name: string;
  /** Address as written, lower-cased domain; '' when the header was unparseable. */
  readonly address: string;
}

export interface ParsedLink {
  /** Absolute URL as found (href or bare URL in text). */
  readonly url: string;
  /** Lower-cased host, '' when the URL has none (mailto:, relative). */
  readonly host: string;
  /** Visible text of the <a> element when the link came from HTML, else null. */
  readonly text: string | null;
}

export interface ParsedAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly disposition: 'attachment' | 'inline' | null;
}

/** An attachment's decoded bytes, produced only when asked (AttachmentVisitor). */
export interface AttachmentBody {
  /** False when the message was cut at ParseLimits.maxBytes inside this part: the bytes end early. */
  readonly complete: boolean;
  /** At most the first `n` decoded bytes (fewer when the part is shorter, or has odd line lengths). */
  head(n: number): Uint8Array;
  /** Every decoded byte of the part (bounded by ParseLimits.maxBytes of the message). */
  bytes(): Uint8Array;
}

/**
 * Called once per attachment while parsing, for consumers that look inside attachments (archives) without a second
 * MIME walk and without the parser keeping any attachment's bytes.
 */
export type AttachmentVisitor = (attachment: ParsedAttachment, body: AttachmentBody) => void;

export interface ParsedMessage {
  /** Header fields in order, names lower-cased, values unfolded and decoded (RFC 2047). */
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly subject: string | null;
  readonly from: ParsedAddress | null;
  readonly replyTo: readonly ParsedAddress[];
  readonly to: readonly ParsedAddress[];
  readonly messageId: string | null;
  readonly date: string | null;
  /** Plain-text body (text/plain parts; or the HTML rendered to text when there is none). */
  readonly text: string;
  /** Raw HTML body when present. */
  readonly html: string | null;
  readonly hasTextPart: boolean;
  readonly hasHtmlPart: boolean;
  readonly links: readonly ParsedLink[];
  readonly attachments: readonly ParsedAttachment[];
  /** Size of the raw message in bytes. */
  readonly size: number;
  /** Problems met while decoding (broken boundary, unknown charset, truncated); parsing never throws for bad mail. */
  readonly defects: readonly string[];
  /** True when limits cut parsing short (size, part count, text length). */
  readonly truncated: boolean;
  /**
   * HTML structure features of the HTML body (tag names such as `img`, `form`, `table`, and tricks such as
   * `hidden`, `tiny-font`, `tracking-pixel`); absent when there is no HTML. Added by libs/mail for the tokenizer.
   */
  readonly htmlFeatures?: readonly string[];
  /** Number of tags in the HTML body (markup density); absent when there is no HTML. */
  readonly htmlTagCount?: number;
}

/** Limits that keep parsing bounded in time and memory for hostile input. */
export interface ParseLimits {
  /** Bytes of the raw message that are parsed at all (the rest is ignored, `truncated` set). */
  readonly maxBytes: number;
  /** Characters of decoded text kept for tokenizing and heuristics. */
  readonly maxTextChars: number;
  readonly maxParts: number;
  readonly maxLinks: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxBytes: 2 * 1024 * 1024,
  maxTextChars: 200_000,
  maxParts: 100,
  maxLinks: 500,
};
