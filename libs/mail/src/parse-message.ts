import PostalMime from 'postal-mime';
import { htmlToText } from './html-to-text';
import { findUrls, urlHost } from './links';
import {
  binToText,
  decodeEncodedWords,
  decodeQuotedPrintable,
  decodeTransfer,
  decodeUnlabelled,
  isAscii,
} from './mime-decode';
import {
  DEFAULT_PARSE_LIMITS,
  type AttachmentBody,
  type AttachmentVisitor,
  type ParseLimits,
  type ParsedAddress,
  type ParsedAttachment,
  type ParsedLink,
  type ParsedMessage,
} from './parsed-message';

/**
 * MIME parsing for every consumer of a scan. A hand-written, single-pass parser over a latin1 "binary string" of the
 * message: postal-mime 4.0.0 parsed sa-dev at ~860 msg/s on this machine, far below the 3,000 msg/s classify target
 * (parsing is most of classify time), so the structure walk is our own and only postal-mime's address parser is used.
 * Non-text parts are never decoded (only measured), so a 20 MB attachment costs one boundary scan.
 * Bad mail never throws: problems become `defects`, limits set `truncated`.
 */
interface Header {
  readonly name: string;
  readonly value: string;
}

interface ContentInfo {
  readonly type: string;
  readonly params: Map<string, string>;
  readonly disposition: 'attachment' | 'inline' | null;
  readonly filename: string;
  readonly encoding: string;
}

interface WalkState {
  readonly limits: ParseLimits;
  readonly defects: string[];
  readonly texts: string[];
  readonly htmls: string[];
  readonly attachments: ParsedAttachment[];
  textChars: number;
  parts: number;
  truncated: boolean;
  /** The raw message was cut at maxBytes: a part that runs to the end of what was parsed is incomplete. */
  readonly cut: boolean;
  readonly visit: AttachmentVisitor | undefined;
}

const MAX_HEADERS = 1000;
const MAX_DEPTH = 20;

/** Index of the blank line ending a header block, and where the body starts; -1 when there is none. */
function splitHeaderBody(bin: string, from: number, to: number): { headerEnd: number; bodyStart: number } {
  // A part that starts with an empty line has no headers.
  if (bin.charCodeAt(from) === 10) return { headerEnd: from, bodyStart: from + 1 };
  if (bin.charCodeAt(from) === 13 && bin.charCodeAt(from + 1) === 10)
    return { headerEnd: from, bodyStart: from + 2 };
  let i = bin.indexOf('\n', from);
  while (i >= 0 && i < to) {
    const c = bin.charCodeAt(i + 1);
    if (c === 10) return { headerEnd: i + 1, bodyStart: i + 2 };
    if (c === 13 && bin.charCodeAt(i + 2) === 10) return { headerEnd: i + 1, bodyStart: i + 3 };
    i = bin.indexOf('\n', i + 1);
  }
  return { headerEnd: to, bodyStart: to };
}

function decodeHeaderValue(raw: string): string {
  const v = isAscii(raw) ? raw : decodeUnlabelled(Buffer.from(raw, 'latin1'));
  return decodeEncodedWords(v.trim());
}

/** Header fields of a block: unfolded (RFC 5322 §2.2.3), names lower-cased, values decoded. */
function parseHeaders(bin: string, from: number, to: number, defects: string[]): Header[] {
  const out: Header[] = [];
  if (to <= from) return out;
  const lines = bin.slice(from, to).split('\n');
  let name: string | null = null;
  let value = '';
  let malformed = 0;
  const flush = (): void => {
    if (name !== null && out.length < MAX_HEADERS) out.push({ name, value: decodeHeaderValue(value) });
    name = null;
  };
  for (const rawLine of lines) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.length === 0) continue;
    const c = line.charCodeAt(0);
    if ((c === 32 || c === 9) && name !== null) {
      if (value.length < 100_000) value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || colon > 76 || /\s/.test(line.slice(0, colon).trimEnd())) {
      // mbox "From " lines and junk
      if (!(out.length === 0 && line.startsWith('From '))) malformed++;
      continue;
    }
    flush();
    name = line.slice(0, colon).trim().toLowerCase();
    value = line.slice(colon + 1);
  }
  flush();
  if (malformed > 0) defects.push('malformed header line');
  if (out.length >= MAX_HEADERS) defects.push('too many header fields');
  return out;
}

function headerValue(headers: readonly Header[], name: string): string | null {
  for (const h of headers) if (h.name === name) return h.value;
  return null;
}

/** `type/subtype; a=b; c="d"` → lower-cased value and parameters (RFC 2045 §5.1, RFC 2231 continuations joined). */
function parseParams(value: string): { value: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const semi = value.indexOf(';');
  const main = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (semi >= 0) {
    const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"?|([^;]*))/g;
    const rest = value.slice(semi);
    for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
      let k = (m[1] as string).toLowerCase();
      let v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
      const star = k.indexOf('*');
      if (star >= 0) {
        const ext = k.endsWith('*');
        k = k.slice(0, star);
        if (ext) {
          const q = v.indexOf("''");
          if (q >= 0) v = v.slice(q + 2);
          try {
            v = decodeURIComponent(v);
          } catch {
            /* keep the raw value */
          }
        }
        params.set(k, (params.get(k) ?? '') + v);
      } else if (!params.has(k)) {
        params.set(k, v);
      }
    }
  }
  return { value: main, params };
}

function contentInfo(headers: readonly Header[], defaultType: string): ContentInfo {
  const ct = headerValue(headers, 'content-type');
  const parsed = ct ? parseParams(ct) : { value: defaultType, params: new Map<string, string>() };
  const type = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(parsed.value) ? parsed.value : defaultType;
  const cd = headerValue(headers, 'content-disposition');
  const disp = cd ? parseParams(cd) : null;
  const disposition =
    disp?.value === 'attachment' ? 'attachment' : disp?.value === 'inline' ? 'inline' : null;
  const filename = disp?.params.get('filename') ?? parsed.params.get('name') ?? '';
  const encoding = (headerValue(headers, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  return { type, params: parsed.params, disposition, filename: decodeEncodedWords(filename), encoding };
}

function findDelimiter(bin: string, delim: string, from: number, to: number): number {
  let i = bin.indexOf(delim, from);
  while (i >= 0 && i < to) {
    if (i === from || bin.charCodeAt(i - 1) === 10) return i;
    i = bin.indexOf(delim, i + 1);
  }
  return -1;
}

function lineEnd(bin: string, i: number, to: number): number {
  const nl = bin.indexOf('\n', i);
  return nl < 0 || nl >= to ? to : nl + 1;
}

/** Strips the CRLF that belongs to the next delimiter (RFC 2046 §5.1.1). */
function trimDelimiterNewline(bin: string, end: number, from: number): number {
  if (end > from && bin.charCodeAt(end - 1) === 10) end--;
  if (end > from && bin.charCodeAt(end - 1) === 13) end--;
  return end;
}

function walkEntity(
  bin: string,
  headers: readonly Header[],
  bodyStart: number,
  bodyEnd: number,
  depth: number,
  st: WalkState,
  defaultType = 'text/plain',
  parentCharset: string | null = null,
): void {
  if (st.parts >= st.limits.maxParts) {
    st.truncated = true;
    return;
  }
  st.parts++;
  const info = contentInfo(headers, defaultType);
  // A charset on the multipart (seen in real CJK spam) is the best guess for children that name none.
  const charset = info.params.get('charset') ?? parentCharset;
  if (info.type.startsWith('multipart/')) {
    const boundary = info.params.get('boundary');
    if (!boundary || depth >= MAX_DEPTH) {
      st.defects.push(depth >= MAX_DEPTH ? 'multipart nesting too deep' : 'multipart without boundary');
      addLeaf(bin, { ...info, type: 'text/plain' }, bodyStart, bodyEnd, st, charset);
      return;
    }
    const delim = '--' + boundary;
    let d = findDelimiter(bin, delim, bodyStart, bodyEnd);
    if (d < 0) {
      st.defects.push('boundary not found');
      addLeaf(bin, { ...info, type: 'text/plain' }, bodyStart, bodyEnd, st, charset);
      return;
    }
    const childDefault = info.type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    let closed = false;
    while (d >= 0) {
      if (bin.startsWith('--', d + delim.length)) {
        closed = true;
        break;
      }
      const partStart = lineEnd(bin, d, bodyEnd);
      const next = findDelimiter(bin, delim, partStart, bodyEnd);
      const partEnd = next < 0 ? bodyEnd : trimDelimiterNewline(bin, next, partStart);
      const { headerEnd, bodyStart: pb } = splitHeaderBody(bin, partStart, partEnd);
      const partHeaders = parseHeaders(bin, partStart, headerEnd, st.defects);
      walkEntity(bin, partHeaders, pb, partEnd, depth + 1, st, childDefault, charset);
      if (st.truncated && st.parts >= st.limits.maxParts) return;
      d = next;
    }
    if (!closed) st.defects.push('missing closing boundary');
    return;
  }
  if (info.type === 'message/rfc822' && info.disposition !== 'attachment' && depth < MAX_DEPTH) {
    const inner =
      info.encoding === 'base64' || info.encoding === 'quoted-printable'
        ? decodeTransfer(bin.slice(bodyStart, bodyEnd), info.encoding)
        : null;
    const src = inner ?? bin;
    const from = inner === null ? bodyStart : 0;
    const to = inner === null ? bodyEnd : inner.length;
    const { headerEnd, bodyStart: ib } = splitHeaderBody(src, from, to);
    const innerHeaders = parseHeaders(src, from, headerEnd, st.defects);
    walkEntity(src, innerHeaders, ib, to, depth + 1, st);
    return;
  }
  addLeaf(bin, info, bodyStart, bodyEnd, st, charset);
}

function addLeaf(
  bin: string,
  info: ContentInfo,
  start: number,
  end: number,
  st: WalkState,
  charset: string | null,
): void {
  const isText = info.type === 'text/plain' || info.type === 'text/html';
  if (
    !isText ||
    info.disposition === 'attachment' ||
    (info.filename !== '' && info.type !== 'text/html' && info.disposition !== 'inline')
  ) {
    const encodedLen = Math.max(0, end - start);
    const size = info.encoding === 'base64' ? Math.floor((encodedLen * 3) / 4) : encodedLen;
    const attachment: ParsedAttachment = {
      filename: info.filename,
      contentType: info.type,
      size,
      disposition: info.disposition,
    };
    st.attachments.push(attachment);
    if (st.visit)
      st.visit(attachment, attachmentBody(bin, start, end, info.encoding, !(st.cut && end >= bin.length)));
    return;
  }
  if (st.textChars >= st.limits.maxTextChars) {
    st.truncated = true;
    return;
  }
  // Decode no more than needed: base64 is 4/3 of its bytes, QP at most 3×, and a text char is at least one byte.
  const budget = st.limits.maxTextChars - st.textChars;
  const cap =
    info.encoding === 'base64'
      ? Math.ceil((budget * 4) / 3) + 4
      : info.encoding === 'quoted-printable'
        ? budget * 3
        : budget * 4;
  let partEnd = end;
  if (end - start > cap) {
    partEnd = start + cap;
    st.truncated = true;
  }
  const bytes = decodeTransfer(bin.slice(start, partEnd), info.encoding);
  let text = binToText(bytes, info.params.get('charset') ?? charset, st.defects);
  if (text.length > budget) {
    text = text.slice(0, budget);
    st.truncated = true;
  }
  st.textChars += text.length;
  (info.type === 'text/html' ? st.htmls : st.texts).push(text);
}

/**
 * Lazy access to an attachment's decoded bytes for a visitor: nothing is decoded unless asked, and `head` decodes
 * only a prefix (enough to sniff a file type), so visiting every attachment of a 20 MB message costs next to nothing.
 */
function attachmentBody(
  bin: string,
  start: number,
  end: number,
  encoding: string,
  complete: boolean,
): AttachmentBody {
  const decode = (to: number): Buffer => {
    const slice = bin.slice(start, to);
    if (encoding === 'base64') return Buffer.from(slice, 'base64');
    if (encoding === 'quoted-printable') return Buffer.from(decodeQuotedPrintable(slice), 'latin1');
    return Buffer.from(slice, 'latin1');
  };
  return {
    complete,
    head(n) {
      // Base64 needs 4 characters per 3 bytes and QP at most 3 per byte; the slack covers line breaks (76-character
      // lines, RFC 2045 §6.8). A part with stranger line lengths may give fewer bytes than asked: callers must cope.
      const budget =
        encoding === 'base64'
          ? Math.ceil(n / 3) * 4 + Math.ceil(n / 19) * 2 + 8
          : encoding === 'quoted-printable'
            ? n * 3 + 8
            : n;
      const bytes = decode(Math.min(end, start + budget));
      return bytes.length > n ? bytes.subarray(0, n) : bytes;
    },
    bytes: () => decode(end),
  };
}

function toAddresses(value: string | null): ParsedAddress[] {
  if (value === null || value.trim() === '') return [];
  let parsed: PostalMime.Address[];
  try {
    parsed = PostalMime.addressParser(value, { flatten: true });
  } catch {
    return [{ name: '', address: '' }];
  }
  return parsed.slice(0, 100).map((a) => {
    const addr = (a.address ?? '').trim();
    const at = addr.lastIndexOf('@');
    return {
      name: (a.name ?? '').trim(),
      address: at > 0 ? addr.slice(0, at) + addr.slice(at).toLowerCase() : addr,
    };
  });
}

function isoDate(value: string | null): string | null {
  if (value === null) return null;
  const t = Date.parse(value.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isFinite(t) ? new Date(t).toISOString() : value;
}

function emptyMessage(size: number, defects: string[]): ParsedMessage {
  return {
    headers: [],
    subject: null,
    from: null,
    replyTo: [],
    to: [],
    messageId: null,
    date: null,
    text: '',
    html: null,
    hasTextPart: false,
    hasHtmlPart: false,
    links: [],
    attachments: [],
    size,
    defects,
    truncated: false,
  };
}

/** Synchronous parse; same result as `parseMessage` (the hot path in benchmarks uses it to skip a microtask). */
export function parseMessageSync(
  raw: Buffer,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  visit?: AttachmentVisitor,
): ParsedMessage {
  const size = raw.length;
  const defects: string[] = [];
  if (size === 0) return emptyMessage(0, ['empty message']);
  let truncated = false;
  let bin: string;
  if (size > limits.maxBytes) {
    truncated = true;
    bin = raw.toString('latin1', 0, limits.maxBytes);
  } else {
    bin = raw.toString('latin1');
  }
  const { headerEnd, bodyStart } = splitHeaderBody(bin, 0, bin.length);
  const headers = parseHeaders(bin, 0, headerEnd, defects);
  if (bodyStart >= bin.length) defects.push('no body');
  const st: WalkState = {
    limits,
    defects,
    texts: [],
    htmls: [],
    attachments: [],
    textChars: 0,
    parts: 0,
    truncated,
    cut: truncated,
    visit,
  };
  walkEntity(bin, headers, bodyStart, bin.length, 0, st);

  const html = st.htmls.length > 0 ? st.htmls.join('\n') : null;
  const rendering = html !== null ? htmlToText(html, limits.maxTextChars, limits.maxLinks) : null;
  let text = st.texts.length > 0 ? st.texts.join('\n') : (rendering?.text ?? '');
  if (text.length > limits.maxTextChars) {
    text = text.slice(0, limits.maxTextChars);
    st.truncated = true;
  }

  const links: ParsedLink[] = [];
  const seen = new Set<string>();
  if (rendering) {
    for (const l of rendering.links) {
      if (links.length >= limits.maxLinks) break;
      if (l.href === '' || l.href.startsWith('#')) continue;
      seen.add(l.href);
      links.push({ url: l.href, host: urlHost(l.href), text: l.text });
    }
  }
  for (const url of findUrls(text, limits.maxLinks)) {
    if (links.length >= limits.maxLinks) break;
    if (seen.has(url)) continue;
    seen.add(url);
    links.push({ url, host: urlHost(url), text: null });
  }

  const fromList = toAddresses(headerValue(headers, 'from'));
  const msg: ParsedMessage = {
    headers,
    subject: headerValue(headers, 'subject'),
    from: fromList[0] ?? null,
    replyTo: toAddresses(headerValue(headers, 'reply-to')),
    to: toAddresses(headerValue(headers, 'to')),
    messageId: headerValue(headers, 'message-id'),
    date: isoDate(headerValue(headers, 'date')),
    text,
    html,
    hasTextPart: st.texts.length > 0,
    hasHtmlPart: html !== null,
    links,
    attachments: st.attachments,
    size,
    defects,
    truncated: st.truncated,
  };
  if (rendering) return { ...msg, htmlFeatures: rendering.features, htmlTagCount: rendering.tagCount };
  return msg;
}

/** Parses a raw RFC 5322 message. Never rejects for bad mail: a bug inside becomes a defect on an empty message. */
export async function parseMessage(
  raw: Buffer,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): Promise<ParsedMessage> {
  return parseMessageSafe(raw, limits);
}

/**
 * `parseMessageSync` that never throws. A visitor (see AttachmentVisitor) that throws is a bug of its own and ends the
 * parse like any other: callers that visit catch inside their visitor.
 */
export function parseMessageSafe(
  raw: Buffer,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  visit?: AttachmentVisitor,
): ParsedMessage {
  try {
    return parseMessageSync(raw, limits, visit);
  } catch (err) {
    return emptyMessage(raw.length, [
      `parser error: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown'}`,
    ]);
  }
}
