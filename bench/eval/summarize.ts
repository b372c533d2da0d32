/**
 * Markdown tables from the JSON lines bench/eval/measure.sh writes:
 *   node -r ts-node/register/transpile-only bench/eval/summarize.ts bench/results/eval-sa-dev.jsonl …
 */
import { readFileSync } from 'node:fs';

type Row = Record<string, unknown> & {
  split?: { order: string; seed: number } | null;
  opts?: Record<string, string>;
};

const f = (x: unknown, d = 4): string =>
  typeof x === 'number'
    ? String(Math.round(x * 10 ** d) / 10 ** d)
    : x === null || x === undefined
      ? '–'
      : String(x);

for (const file of process.argv.slice(2)) {
  const rows = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
  process.stdout.write(
    `\n${file}\n\n| run | model | headers | AUC | 1-ROCA % | FPR@thr | FNR@thr | recall@0.1% | recall@1% | hard_ham FPR | ham/spam | learn/cpu-s | classify/cpu-s | natural AUC | natural 1-ROCA % |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n`,
  );
  for (const r of rows) {
    const split = r.split
      ? `${r.split.order === 'time' ? 'time 60/40' : `random 0.6 seed ${r.split.seed}`}${r['mode'] === 'online' ? ' online' : ''}`
      : 'train/test';
    const nat = (r['baselines'] as { natural?: { auc: number; oneMinusRocaPct: number } } | undefined)
      ?.natural;
    const cells = [
      `${r['user'] ? `${String(r['user'])} ` : ''}${split}`,
      `${String(r['scorer'])}${r.opts?.['features'] ? ` ${r.opts['features']}` : ''}`,
      String(r['headers']),
      f(r['auc']),
      f(r['oneMinusRocaPct'], 3),
      f(r['fpr']),
      f(r['fnr']),
      f(r['recallAtFpr0_1']),
      f(r['recallAtFpr1']),
      f(r['hardHamFpr']),
      `${String(r['ham'])}/${String(r['spam'])}`,
      f(r['learnPerCpuSec'], 0),
      f(r['classifyPerCpuSec'], 0),
      f(nat?.auc),
      f(nat?.oneMinusRocaPct, 3),
    ];
    process.stdout.write(`| ${cells.join(' | ')} |\n`);
  }
}
