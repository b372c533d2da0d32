import type { Worker } from 'node:worker_threads';
import { DEFAULT_SPAM_CLASSIFIER } from '@spamfilter/bayes';
import { DEFAULT_PARSE_LIMITS } from '@spamfilter/mail';
import { mimeMessage } from '../../../../test/antivirus/messages';
import { buildZip } from '../../../../test/antivirus/zip-builder';
import { AnalysisPool, DEFAULT_POOL, type AnalysisPoolOptions } from './analysis-pool';
import { MessageAnalyser, type AnalysisOptions } from './message-analysis';

const OPTIONS: AnalysisOptions = {
  parseLimits: DEFAULT_PARSE_LIMITS,
  classifier: DEFAULT_SPAM_CLASSIFIER,
  marketingPhrases: ['act now', 'risk free'],
  archive: { maxDepth: 3, maxInflateBytes: 1024 * 1024, maxExpandedBytes: 64 * 1024 * 1024 },
};

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1');

/** Plain, HTML-only with a lying link and an .exe, broken boundary, 8-bit headers, garbage bytes, no body, a zipped .exe. */
const MESSAGES: Buffer[] = [
  crlf(
    'From: Alice <alice@example.org>\nTo: bob@example.com\nSubject: lunch\nMessage-ID: <1@example.org>\n\nAre we still on for Friday?\n',
  ),
  crlf(
    [
      'From: "Prize Desk" <desk@winner.example.net>',
      'Reply-To: payout@elsewhere.example.biz',
      'Subject: your parcel',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      '--outer',
      'Content-Type: text/html; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<b>Risk free</b> and you must ACT NOW =E9t=E9 ~~~~~~~~~~~~ ~~~~~~~~~~~~',
      '<a href=3D"http://collect.example.ru/p">https://www.ups.com/track</a>',
      '--outer',
      'Content-Type: application/x-msdownload; name="label.doc.scr"',
      'Content-Disposition: attachment; filename="label.doc.scr"',
      'Content-Transfer-Encoding: base64',
      '',
      'TVqQAAMAAAAEAAAA',
      '--outer--',
      '',
    ].join('\n'),
  ),
  crlf(
    'From: x@y.test\nContent-Type: multipart/alternative; boundary=zz\n\n--zz\nContent-Type: text/plain\n\ncut off before the end',
  ),
  Buffer.from('Subject: caf\xe9 \xff\xfe\r\nFrom: \xc3\xa9l\xc3\xa8ve <e@x.test>\r\n\r\nbody\xff', 'latin1'),
  Buffer.from([0, 1, 2, 255, 254, 13, 10, 13]),
  crlf('Subject: only headers\n'),
  mimeMessage({
    attachments: [{ filename: 'files.zip', bytes: buildZip([{ name: 'setup.exe', data: 'MZ' }]) }],
  }),
];

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * As plain JSON, typed arrays as arrays: what a thread sends back is rebuilt in node's own realm, and jest's deep
 * equality refuses arrays whose constructor is another realm's even when every element is equal.
 */
const plain = (a: unknown): unknown =>
  JSON.parse(
    JSON.stringify(a, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Uint32Array) : v)),
  );

/** The pool's threads, to stop one the way a crash would. */
const workersOf = (pool: AnalysisPool): Worker[] =>
  (pool as unknown as { slots: { worker: Worker }[] }).slots.map((s) => s.worker);

/** A one-thread pool with `over` applied, its thread started, for `body`; closed afterwards whatever happens. */
async function withStartedPool(
  over: Partial<AnalysisPoolOptions>,
  body: (pool: AnalysisPool) => Promise<void>,
): Promise<void> {
  const pool = new AnalysisPool(OPTIONS, { ...DEFAULT_POOL, threads: 1, ...over });
  try {
    await until(() => pool.stats().ready === 1, 'the thread');
    await body(pool);
  } finally {
    await pool.close();
  }
}

describe('AnalysisPool', () => {
  jest.setTimeout(60_000);
  const expected = MESSAGES.map((m) => plain(new MessageAnalyser(OPTIONS).analyse(m)));

  it('gives on a worker thread exactly the analysis of the main thread', async () => {
    await withStartedPool({}, async (pool) => {
      const got = await Promise.all(MESSAGES.map((m) => pool.analyse(m)));
      expect(got.map(plain)).toEqual(expected);
      expect(plain(got[1].contentHits.map((h) => h.name))).toEqual(
        expect.arrayContaining(['MARKETING_PHRASE', 'DOUBLE_EXTENSION_ATTACHMENT', 'URL_TEXT_HOST_MISMATCH']),
      );
      expect(Object.prototype.toString.call(got[1].prepared.tokens.ids)).toBe('[object Uint32Array]');
      expect(plain(got[6]?.archiveHits)).toEqual([
        { name: 'ARCHIVE_EXECUTABLE', options: ['files.zip/setup.exe'] },
      ]);
      expect(pool.stats()).toMatchObject({ threads: 1, ready: 1, inline: 0, restarts: 0, gaveUp: false });
    });
  });

  it('analyses on the calling thread until a thread has started', async () => {
    const pool = new AnalysisPool(OPTIONS, { ...DEFAULT_POOL, threads: 1 });
    try {
      expect(pool.stats().ready).toBe(0);
      expect(plain(await pool.analyse(MESSAGES[0]))).toEqual(expected[0]);
      expect(pool.stats().inline).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('redoes the requests of a thread that dies on the calling thread, and replaces the thread', async () => {
    await withStartedPool({}, async (pool) => {
      const asked = Array.from({ length: 30 }, (_, i) => pool.analyse(MESSAGES[i % MESSAGES.length]));
      const [first] = workersOf(pool);
      await first.terminate();
      const got = await Promise.all(asked);
      got.forEach((a, i) => expect(plain(a)).toEqual(expected[i % MESSAGES.length]));
      expect(pool.stats().restarts).toBe(1);
      await until(() => pool.stats().ready === 1, 'the replacement thread');
      expect(workersOf(pool)[0]).not.toBe(first);
      const inlineBefore = pool.stats().inline;
      expect(plain(await pool.analyse(MESSAGES[1]))).toEqual(expected[1]);
      expect(pool.stats().inline).toBe(inlineBefore);
    });
  });

  it('stops a thread that does not answer in time and redoes its requests on the calling thread', async () => {
    // 1 ms is less than any thread takes for a 2 MB message: the watchdog must stop it as it would a stuck one.
    await withStartedPool({ answerTimeoutMs: 1 }, async (pool) => {
      const big = crlf(`Subject: long\n\n${'many words to read here, '.repeat(80_000)}\n`);
      const got = await pool.analyse(big);
      expect(plain(got)).toEqual(plain(new MessageAnalyser(OPTIONS).analyse(big)));
      // The redo can answer before the stopped thread's exit is counted (a loaded machine reorders them): wait for it.
      await until(() => pool.stats().restarts === 1, 'the stopped thread to be counted');
      expect(pool.stats().lastError).toMatch(/no answer in 1 ms/);
    });
  });

  it('stops replacing threads after maxRestarts deaths, says so, and keeps analysing inline', async () => {
    await withStartedPool({ maxRestarts: 0 }, async (pool) => {
      await workersOf(pool)[0].terminate();
      await until(() => pool.stats().gaveUp, 'the pool to give up');
      expect(pool.stats()).toMatchObject({ ready: 0, restarts: 0, gaveUp: true });
      expect(plain(await pool.analyse(MESSAGES[2]))).toEqual(expected[2]);
    });
  });

  it('answers what is still pending when it closes', async () => {
    const pool = new AnalysisPool(OPTIONS, { ...DEFAULT_POOL, threads: 1 });
    await until(() => pool.stats().ready === 1, 'the thread');
    const asked = MESSAGES.map((m) => pool.analyse(m));
    await pool.close();
    expect((await Promise.all(asked)).map(plain)).toEqual(expected);
    expect(pool.stats().gaveUp).toBe(false);
  });
});
