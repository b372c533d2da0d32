/**
 * Pure readers of the reference filters' answers (spamd's HEADERS reply, rspamd's /checkv2 JSON) and the DNS answer
 * of the loopback resolver that keeps rspamd off the network. No I/O here; bench/compare/*.runner.ts do the talking.
 */

/** What one scan of a message by a reference filter gives: its Bayes probability and its full score. */
export interface ReferenceScore {
  /** Spam probability of the tool's Bayes classifier; 0.5 when it did not speak (too few tokens or learns). */
  readonly bayes: number;
  /** The tool's whole score (rules + Bayes), in its own units. */
  readonly full: number;
}

/** The value of header `name` in a header block (unfolded), or null. */
export function headerValue(head: string, name: string): string | null {
  const re = new RegExp(`^${name.replace(/[-]/g, '\\-')}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im');
  const m = re.exec(head);
  return m ? (m[1] as string).replace(/\r?\n[ \t]+/g, ' ').trim() : null;
}

/**
 * spamd's reply to `HEADERS SPAMC/1.5` (spamd protocol: a `SPAMD/1.x 0 EX_OK` line, `Spam: True ; 6.3 / 5.0`, a blank
 * line, then the rewritten header block). The site config adds `X-Spam-Bayes: _BAYES_` (the Bayes probability, 4
 * decimals) and `X-Spam-Tests: _TESTSSCORES(,)_` (each hit rule with its score, 3 decimals): their sum is the score at
 * full precision, where the `Spam:` line rounds it to one decimal and would tie many messages.
 */
export function parseSpamdReply(reply: string): ReferenceScore {
  const status = /^SPAMD\/[\d.]+ (\d+) (\S+)/.exec(reply);
  if (!status) throw new Error(`spamd: not a spamd reply: ${JSON.stringify(reply.slice(0, 80))}`);
  if (status[1] !== '0') throw new Error(`spamd: ${status[1]} ${status[2]}`);
  const sep = /\r?\n\r?\n/.exec(reply);
  const meta = sep ? reply.slice(0, sep.index) : reply;
  const head = sep ? reply.slice(sep.index + sep[0].length) : '';
  const spamLine = /^Spam:\s*\w+\s*;\s*(-?[\d.]+)\s*\/\s*(-?[\d.]+)/im.exec(meta);
  if (!spamLine) throw new Error('spamd: reply without a Spam: line');
  const rounded = Number(spamLine[1]);
  const bayesText = headerValue(head, 'X-Spam-Bayes');
  const bayes = bayesText !== null && /^[\d.]+$/.test(bayesText) ? Number(bayesText) : 0.5;
  const tests = headerValue(head, 'X-Spam-Tests');
  let full = rounded;
  if (tests !== null) {
    let sum = 0;
    for (const m of tests.matchAll(/([A-Za-z0-9_]+)=(-?[\d.]+)/g)) sum += Number(m[2]);
    // trust the precise sum only when it agrees with spamd's own (rounded) score
    if (Math.abs(sum - rounded) <= 0.051) full = Math.round(sum * 1000) / 1000;
  }
  return { bayes, full };
}

/** Status and body of a raw HTTP/1.1 reply; the body is cut at Content-Length when the reply gives one. */
export function parseHttpReply(raw: Buffer, what = 'HTTP'): { status: number; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`${what}: no complete reply header in ${raw.length} bytes`);
  const head = raw.subarray(0, end).toString('latin1');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!status) throw new Error(`${what}: bad status line ${JSON.stringify(head.slice(0, 40))}`);
  const len = /^content-length:\s*(\d+)/im.exec(head);
  const body = raw.subarray(end + 4, len ? end + 4 + Number(len[1]) : raw.length);
  return { status: Number(status[1]), body: body.toString('utf8') };
}

interface RspamdSymbol {
  readonly score?: number;
  readonly options?: readonly string[];
}

/**
 * rspamd's /checkv2 JSON. Its Bayes classifier inserts BAYES_SPAM when the probability p > 0.5 and BAYES_HAM when
 * p < 0.5 (only when |p − 0.5| > 0.05), with the option `"NN.NN%"` = max(p, 1 − p) (src/libstat/classifiers/bayes.c);
 * so p is the option for BAYES_SPAM, 1 − option for BAYES_HAM, and 0.5 when neither is present.
 */
export function parseRspamdCheck(json: unknown): ReferenceScore {
  if (typeof json !== 'object' || json === null || typeof (json as { score?: unknown }).score !== 'number') {
    throw new Error(`rspamd: unexpected reply ${JSON.stringify(json).slice(0, 120)}`);
  }
  const r = json as { score: number; symbols?: Record<string, RspamdSymbol> };
  const pct = (s: RspamdSymbol | undefined): number | null => {
    const opt = s?.options?.find((o) => /^[\d.]+%$/.test(o));
    return opt === undefined ? null : Number(opt.slice(0, -1)) / 100;
  };
  const spam = pct(r.symbols?.['BAYES_SPAM']);
  const ham = pct(r.symbols?.['BAYES_HAM']);
  const bayes = spam !== null ? spam : ham !== null ? 1 - ham : 0.5;
  return { bayes: Math.round(bayes * 1e6) / 1e6, full: r.score };
}

/**
 * The answer of a resolver that knows no names: the query's ID, question and opcode, QR and RA set, RD copied,
 * RCODE 3 (NXDOMAIN, RFC 1035 §4.1.1), no records. Null for a datagram too short or malformed to answer.
 */
export function nxdomainReply(query: Buffer): Buffer | null {
  if (query.length < 12 || (query[2] as number) & 0x80) return null;
  const qd = query.readUInt16BE(4);
  let p = 12;
  for (let q = 0; q < qd; q++) {
    while (p < query.length && query[p] !== 0) {
      if (((query[p] as number) & 0xc0) !== 0) return null; // no compression in a question we answer
      p += (query[p] as number) + 1;
    }
    p += 1 + 4; // root label, QTYPE, QCLASS
    if (p > query.length) return null;
  }
  const out = Buffer.from(query.subarray(0, p));
  out[2] = 0x80 | ((query[2] as number) & 0x79); // QR, opcode, RD (AA and TC cleared)
  out[3] = 0x80 | 3; // RA, NXDOMAIN
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return out;
}
