/**
 * `npm run -s bench -- bounds [--runs N] [--json]`
 *
 * How long the input bounds take on hostile sizes, in-process on one core. These figures used to be wall-clock limits
 * inside unit specs (libs/mail parse-message.spec, libs/bayes bayes-classifier.spec), which failed whenever other work
 * shared the machine; the specs keep the bounds themselves (truncation, capped text, capped tokens) and the time is
 * measured here, with the CPU time beside it and the load average it was measured under.
 * - parse20MbMs: parseMessageSync of a message with a 15 MB base64 attachment (over 20 MB raw), default limits;
 * - parseMillionWordsMs: parseMessageSync of a million-word text under an 8 MB limit (text capped at maxTextChars);
 * - classifyMillionTokensMs: parse (16 MB limit) + tokenize + classify of a million-token message on a small model.
 * Medians of --runs (default 5). The limits the specs held them to: 1000, 1000 and 2000 ms.
 */
import { loadavg } from 'node:os';
import { BayesClassifier, MemoryBayesStore, tokenize } from '@spamfilter/bayes';
import { DEFAULT_PARSE_LIMITS, parseMessageSync } from '@spamfilter/mail';
import { eachArg } from '../lib/args';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const round = (x: number): number => Math.round(x * 10) / 10;

/** Wall and CPU milliseconds of one synchronous-or-async piece of work. */
async function timed(work: () => unknown): Promise<{ ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await work();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

function bigAttachment(): Buffer {
  const b64 = Buffer.alloc(15 * 1024 * 1024, 7)
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n');
  return Buffer.from(
    `Content-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--X\r\nContent-Type: application/octet-stream; name="a.exe"\r\nContent-Disposition: attachment; filename="invoice.pdf.exe"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--X--\r\n`,
    'latin1',
  );
}

async function smallModel(): Promise<BayesClassifier> {
  const model = new BayesClassifier(new MemoryBayesStore());
  const at = new Date('2026-01-01T00:00:00Z');
  const learn = (id: string, subject: string, body: string, label: 'spam' | 'ham') =>
    model.learn(
      null,
      id,
      tokenize(parseMessageSync(Buffer.from(`Subject: ${subject}\r\n\r\n${body}\r\n`))),
      label,
      at,
    );
  await learn('s1', 'cheap pills', 'buy cheap viagra pills online now discount pharmacy', 'spam');
  await learn('s2', 'win money', 'you won lottery money claim prize now click', 'spam');
  await learn('h1', 'meeting notes', 'the project meeting moved to tuesday please review notes', 'ham');
  await learn('h2', 'lunch', 'shall we have lunch tuesday near the office', 'ham');
  return model;
}

export async function main(argv: string[]): Promise<void> {
  let runs = 5;
  let json = false;
  eachArg(argv, (flag, value) => {
    if (flag === '--runs') runs = Number(value());
    else if (flag === '--json') json = true;
    else throw new Error(`unknown argument ${flag}`);
  });
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs N (a positive integer)');

  const attachment = bigAttachment();
  const words = Buffer.from('Subject: long\r\n\r\n' + 'word '.repeat(1_000_000), 'latin1');
  const tokens = Buffer.from(
    'Subject: big\r\n\r\n' + Array.from({ length: 1_000_000 }, (_, i) => `w${i % 50_000}x`).join(' '),
  );
  const model = await smallModel();
  const load = loadavg()[0] as number;

  const figures = {
    parse20Mb: [] as { ms: number; cpuMs: number }[],
    parseMillionWords: [] as { ms: number; cpuMs: number }[],
    classifyMillionTokens: [] as { ms: number; cpuMs: number }[],
  };
  for (let r = 0; r < runs; r++) {
    figures.parse20Mb.push(await timed(() => parseMessageSync(attachment)));
    figures.parseMillionWords.push(
      await timed(() => parseMessageSync(words, { ...DEFAULT_PARSE_LIMITS, maxBytes: 8 * 1024 * 1024 })),
    );
    figures.classifyMillionTokens.push(
      await timed(() =>
        model.classify(
          tokenize(parseMessageSync(tokens, { ...DEFAULT_PARSE_LIMITS, maxBytes: 16 * 1024 * 1024 })),
        ),
      ),
    );
  }
  const out = {
    runs,
    parse20MbMs: round(median(figures.parse20Mb.map((f) => f.ms))),
    parse20MbCpuMs: round(median(figures.parse20Mb.map((f) => f.cpuMs))),
    parseMillionWordsMs: round(median(figures.parseMillionWords.map((f) => f.ms))),
    parseMillionWordsCpuMs: round(median(figures.parseMillionWords.map((f) => f.cpuMs))),
    classifyMillionTokensMs: round(median(figures.classifyMillionTokens.map((f) => f.ms))),
    classifyMillionTokensCpuMs: round(median(figures.classifyMillionTokens.map((f) => f.cpuMs))),
    loadAverage: round(load),
  };
  if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else
    process.stdout.write(
      `bounds: 20 MB message ${out.parse20MbMs} ms (cpu ${out.parse20MbCpuMs}), a million words ${out.parseMillionWordsMs} ms (cpu ${out.parseMillionWordsCpuMs}), a million tokens classified ${out.classifyMillionTokensMs} ms (cpu ${out.classifyMillionTokensCpuMs}); medians of ${runs}, load average ${out.loadAverage}\n`,
    );
}
