/**
 * One Markdown table of protocol runs (bench/eval/protocols.ts --json), one column per labelled file:
 *   node -r ts-node/register/transpile-only bench/eval/summarize-protocols.ts [--field oneMinusRocaPct|fnr|fpr|…]
 *        LABEL=bench/results/protocols-….jsonl …
 * Cells: the field (1-ROCA % ± its standard error by default); the natural baseline from the first file that has it.
 */
import { readFileSync } from 'node:fs';

type Row = Record<string, unknown> & { protocol: string; kind: string };

const args = process.argv.slice(2);
let field = 'oneMinusRocaPct';
const files: [string, Map<string, Row>][] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--field') field = args[++i] as string;
  else {
    const [label, path] = (args[i] as string).split('=') as [string, string];
    const rows = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    files.push([label, new Map(rows.map((r) => [r.protocol, r]))]);
  }
}
const protocols = [...new Set(files.flatMap(([, m]) => [...m.keys()]))];
const f = (x: unknown, d = 3): string =>
  typeof x === 'number' ? String(Math.round(x * 10 ** d) / 10 ** d) : '–';
const cell = (r: Row | undefined): string => {
  if (!r) return '–';
  const v = field.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], r);
  return field === 'oneMinusRocaPct' ? `${f(v)} ± ${f(r['oneMinusRocaSePct'])}` : f(v, 4);
};
process.stdout.write(
  `| protocol | kind | natural | ${files.map(([l]) => l).join(' | ')} |\n|---|---|---|${files.map(() => '---').join('|')}|\n`,
);
for (const p of protocols) {
  const rows = files.map(([, m]) => m.get(p));
  const any = rows.find((r) => r) as Row;
  const nat = rows
    .map((r) => (r?.['baselines'] as { natural?: { oneMinusRocaPct: number } } | undefined)?.natural)
    .find((n) => n);
  process.stdout.write(
    `| ${p} | ${any.kind} | ${f(nat?.oneMinusRocaPct)} | ${rows.map(cell).join(' | ')} |\n`,
  );
}
