import { TextDecoder } from 'node:util';

/**
 * Low-level MIME decoding on "binary strings" (one char per byte, from Buffer#toString('latin1')): transfer
 * encodings (RFC 2045 §6) and charsets. Working on latin1 strings keeps boundary and header scanning at native
 * `indexOf` speed; bytes are only turned into text once, per part, with the declared charset.
 */
const decoders = new Map<string, TextDecoder | null>();

/** Aliases seen in real mail that WHATWG's encoding labels do not know. */
const CHARSET_ALIASES: Readonly<Record<string, string>> = {
  'ks_c_5601-1987': 'euc-kr',
  'x-user-defined': 'windows-1252',
  'unicode-1-1-utf-7': 'utf-8',
  'utf-7': 'utf-8',
  'ansi_x3.4-1968': 'us-ascii',
  'x-sjis': 'shift_jis',
  cp1252: 'windows-1252',
  default: 'windows-1252',
  latin1: 'iso-8859-1',
};

/** A decoder for the charset, or null when the label is unknown (the caller records a defect). */
export function decoderFor(charset: string): TextDecoder | null {
  const label = charset
    .trim()
    .toLowerCase()
    .replace(/^["']|["']$/g, '');
  let dec = decoders.get(label);
  if (dec !== undefined) return dec;
  try {
    dec = new TextDecoder(CHARSET_ALIASES[label] ?? label, { fatal: false });
  } catch {
    dec = null;
  }
  if (decoders.size < 256) decoders.set(label, dec);
  return dec;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** True when the binary string holds only 7-bit bytes. */
export function isAscii(bin: string): boolean {
  return !/[\x80-\xff]/.test(bin);
}

/** Bytes (as a binary string) to text in the given charset; unknown charsets fall back to UTF-8, then Windows-1252. */
export function binToText(bin: string, charset: string | null, defects: string[]): string {
  if (isAscii(bin)) return bin;
  const bytes = Buffer.from(bin, 'latin1');
  if (charset) {
    const dec = decoderFor(charset);
    if (dec) return dec.decode(bytes);
    defects.push(`unknown charset ${charset.slice(0, 40)}`);
  }
  return decodeUnlabelled(bytes);
}

/** 8-bit bytes with no (usable) label: UTF-8 when valid, else Windows-1252 (what mail clients do). */
export function decodeUnlabelled(bytes: Uint8Array): string {
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    return (decoderFor('windows-1252') as TextDecoder).decode(bytes);
  }
}

export function utf8Decode(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Base64 to a binary string; Node's decoder skips whitespace and stops at garbage without throwing. */
export function decodeBase64(bin: string): string {
  return Buffer.from(bin, 'base64').toString('latin1');
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Quoted-printable (RFC 2045 §6.7) to a binary string; invalid escapes are kept literally. */
export function decodeQuotedPrintable(bin: string): string {
  if (bin.indexOf('=') < 0) return bin;
  const out: string[] = [];
  let start = 0;
  let i = bin.indexOf('=');
  while (i >= 0) {
    out.push(bin.slice(start, i));
    const a = bin.charCodeAt(i + 1);
    if (a === 13 || a === 10) {
      // soft line break: "=\r\n" or "=\n"
      start = i + (a === 13 && bin.charCodeAt(i + 2) === 10 ? 3 : 2);
    } else {
      const h = hexVal(a);
      const l = hexVal(bin.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        out.push(String.fromCharCode(h * 16 + l));
        start = i + 3;
      } else {
        // trailing whitespace before a soft break ("=  \r\n") or a stray '='
        let j = i + 1;
        while (bin.charCodeAt(j) === 32 || bin.charCodeAt(j) === 9) j++;
        if (bin.charCodeAt(j) === 13 || bin.charCodeAt(j) === 10) {
          start = j + (bin.charCodeAt(j) === 13 && bin.charCodeAt(j + 1) === 10 ? 2 : 1);
        } else {
          out.push('=');
          start = i + 1;
        }
      }
    }
    i = bin.indexOf('=', start);
  }
  out.push(bin.slice(start));
  return out.join('');
}

export function decodeTransfer(bin: string, encoding: string): string {
  switch (encoding) {
    case 'base64':
      return decodeBase64(bin);
    case 'quoted-printable':
      return decodeQuotedPrintable(bin);
    default:
      return bin;
  }
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/**
 * RFC 2047 encoded words in a header value (already decoded from binary). Adjacent encoded words separated by
 * whitespace are joined (RFC 2047 §6.2). Unknown charsets fall back to UTF-8.
 */
export function decodeEncodedWords(value: string): string {
  if (value.indexOf('=?') < 0) return value;
  let out = '';
  let last = 0;
  let prevWasWord = false;
  ENCODED_WORD.lastIndex = 0;
  for (let m = ENCODED_WORD.exec(value); m !== null; m = ENCODED_WORD.exec(value)) {
    const between = value.slice(last, m.index);
    if (!(prevWasWord && /^\s*$/.test(between))) out += between;
    const charset = (m[1] as string).split('*')[0] as string;
    const enc = (m[2] as string).toLowerCase();
    const data = m[3] as string;
    const bin = enc === 'b' ? decodeBase64(data) : decodeQuotedPrintable(data.replace(/_/g, ' '));
    const dec = decoderFor(charset);
    out += dec ? dec.decode(Buffer.from(bin, 'latin1')) : decodeUnlabelled(Buffer.from(bin, 'latin1'));
    last = m.index + m[0].length;
    prevWasWord = true;
  }
  return out + value.slice(last);
}
