/**
 * How often each content symbol fires on each part of a corpus — ham, hard_ham, spam, and the phishing-like spam
 * (phishing.ts) — the evidence behind a symbol's weight (bench/eval/README.md, "Phishing signals"):
 *   npm run -s eval:symbols -- --corpus DIR [--filter REGEX] [--json]
 */
import { loadConfig } from '@spamfilter/config';
import { parseMessageSafe } from '@spamfilter/mail';
import { ContentCheck } from '../../apps/filter/src/checks/content/content.check';
import { loadMessages, readIndex } from '../lib/corpus';
import { eachArg } from '../lib/args';
import { looksLikePhishing } from './phishing';

export type Part = 'ham' | 'hard_ham' | 'spam' | 'phishing';

export interface SymbolRates {
  readonly counts: Record<Part, number>;
  /** symbol → part → messages carrying it. */
  readonly hits: Record<string, Record<Part, number>>;
  /** One example path per symbol and part (for reading). */
  readonly examples: Record<string, Partial<Record<Part, string>>>;
}

export function symbolRates(dir: string, filter: RegExp | null): SymbolRates {
  const check = new ContentCheck({ marketingPhrases: loadConfig({}).filter.marketingPhrases });
  const counts: Record<Part, number> = { ham: 0, hard_ham: 0, spam: 0, phishing: 0 };
  const hits: Record<string, Record<Part, number>> = {};
  const examples: Record<string, Partial<Record<Part, string>>> = {};
  const entries = readIndex(dir, filter);
  for (let i = 0; i < entries.length; i += 2000) {
    for (const msg of loadMessages(dir, entries.slice(i, i + 2000))) {
      const m = parseMessageSafe(msg.raw);
      const parts: Part[] =
        msg.label === 'ham'
          ? [/(^|\/)hard_ham\//.test(msg.path) ? 'hard_ham' : 'ham']
          : looksLikePhishing(m)
            ? ['spam', 'phishing']
            : ['spam'];
      for (const p of parts) counts[p]++;
      for (const name of new Set(check.evaluate(m).map((h) => h.name))) {
        const row = (hits[name] ??= { ham: 0, hard_ham: 0, spam: 0, phishing: 0 });
        const ex = (examples[name] ??= {});
        for (const p of parts) {
          row[p]++;
          ex[p] ??= msg.path;
        }
      }
    }
  }
  return { counts, hits, examples };
}

function main(argv: readonly string[]): void {
  let dir = '';
  let filter: RegExp | null = null;
  let json = false;
  eachArg(argv, (k, v) => {
    if (k === '--corpus') dir = v();
    else if (k === '--filter') filter = new RegExp(v());
    else if (k === '--json') json = true;
    else throw new Error(`unknown argument ${k}`);
  });
  if (!dir) throw new Error('--corpus DIR is required');
  const r = symbolRates(dir, filter);
  if (json) {
    process.stdout.write(`${JSON.stringify({ corpus: dir, ...r })}\n`);
    return;
  }
  const parts: Part[] = ['ham', 'hard_ham', 'spam', 'phishing'];
  const cell = (n: number, of: number): string => (of === 0 ? '–' : `${n} (${((100 * n) / of).toFixed(1)}%)`);
  process.stdout.write(
    `| symbol | ${parts.map((p) => `${p} (${r.counts[p]})`).join(' | ')} |\n|---|${parts.map(() => '---').join('|')}|\n`,
  );
  for (const [name, row] of Object.entries(r.hits).sort())
    process.stdout.write(`| ${name} | ${parts.map((p) => cell(row[p], r.counts[p])).join(' | ')} |\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`symbol-rates: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
