/**
 * Markdown tables from the JSON lines bench/compare/measure.sh writes, one table per run and a verdict line (does
 * ours-both beat every reference row on 1-ROCA and on FPR at its default threshold?):
 *   node -r ts-node/register/transpile-only bench/compare/summarize.ts [--overview] bench/results/compare-*.jsonl
 * `--overview`: one line per run, 1-ROCA % / FPR at the default threshold of each system.
 */
import { readFileSync } from 'node:fs';

interface Row {
  auc: number;
  oneMinusRocaPct: number;
  threshold: number;
  fpr: number;
  fnr: number;
  recallAtFpr0_1: number;
  recallAtFpr1: number;
  hardHamFpr: number | null;
  silent?: number;
  oursBothFnrAtSameFpr?: number;
  fprAtReject?: number;
  fnrAtReject?: number;
}
interface Run {
  corpus: string;
  user: string | null;
  split: { fraction: number; order: string; seed: number | null };
  headers: string;
  sample: { perClass: number } | null;
  train: { ham: number; spam: number };
  test: { ham: number; spam: number };
  rows: Record<string, Row>;
  loadAverage: number;
  finishedAt: string;
}

const f = (x: number | null | undefined, d = 4): string =>
  typeof x === 'number' ? String(Math.round(x * 10 ** d) / 10 ** d) : '–';
const pct = (x: number | null | undefined): string =>
  typeof x === 'number' ? `${Math.round(x * 10000) / 100}%` : '–';
const REFERENCES = ['sa-bayes', 'sa-full', 'rspamd-bayes', 'rspamd-full'];

export function title(r: Run): string {
  const split =
    r.split.order === 'time'
      ? `time ${r.split.fraction * 100}/${100 - r.split.fraction * 100}`
      : `random ${r.split.fraction} seed ${String(r.split.seed)}`;
  return `${r.corpus}${r.user ? ` ${r.user}` : ''}, ${split}, ${r.headers} headers${r.sample ? `, sample ≤${r.sample.perClass}/class` : ''}`;
}

export function table(r: Run): string {
  const lines = [
    `**${title(r)}** — train ${r.train.ham} ham / ${r.train.spam} spam, test ${r.test.ham} ham / ${r.test.spam} spam, load ${r.loadAverage}`,
    '',
    '| system | AUC | 1-ROCA % | threshold | FPR@thr | FNR@thr | ours-both FNR at that FPR | recall@0.1% FP | recall@1% FP | hard_ham FPR |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, x] of Object.entries(r.rows)) {
    lines.push(
      `| ${name} | ${f(x.auc)} | ${f(x.oneMinusRocaPct, 3)} | ${f(x.threshold, 3)} | ${pct(x.fpr)} | ${pct(x.fnr)} | ${pct(x.oursBothFnrAtSameFpr)} | ${f(x.recallAtFpr0_1, 3)} | ${f(x.recallAtFpr1, 3)} | ${pct(x.hardHamFpr)} |`,
    );
  }
  const ours = r.rows['ours-both'];
  const refs = REFERENCES.filter((k) => r.rows[k]);
  if (ours && refs.length > 0) {
    const verdict = (key: 'oneMinusRocaPct' | 'fpr'): string => {
      const worse = refs.filter((k) => (r.rows[k] as Row)[key] < ours[key]);
      const tied = refs.filter((k) => (r.rows[k] as Row)[key] === ours[key]);
      if (worse.length === 0 && tied.length === 0) return 'yes';
      return [
        worse.length > 0 ? `loses to ${worse.join(', ')}` : '',
        tied.length > 0 ? `ties ${tied.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ');
    };
    lines.push(
      '',
      `ours-both better than every reference row — on 1-ROCA: ${verdict('oneMinusRocaPct')}; on FPR@thr: ${verdict('fpr')}`,
    );
  }
  return lines.join('\n');
}

const SYSTEMS = ['ours-both', 'ours-bayes', 'sa-bayes', 'sa-full', 'rspamd-bayes', 'rspamd-full'];

/** One line per run: `1-ROCA % / FPR at the default threshold` of each system, the best 1-ROCA and lowest FPR in bold. */
export function overview(runs: readonly Run[]): string {
  const lines = [`| run | ${SYSTEMS.join(' | ')} |`, `|---|${SYSTEMS.map(() => '---').join('|')}|`];
  for (const r of runs) {
    const present = SYSTEMS.filter((k) => r.rows[k]);
    const best = Math.min(...present.map((k) => (r.rows[k] as Row).oneMinusRocaPct));
    const lowest = Math.min(...present.map((k) => (r.rows[k] as Row).fpr));
    const cell = (k: string): string => {
      const x = r.rows[k];
      if (!x) return '–';
      const roca = f(x.oneMinusRocaPct, 3);
      return `${x.oneMinusRocaPct === best ? `**${roca}**` : roca} / ${x.fpr === lowest ? `**${pct(x.fpr)}**` : pct(x.fpr)}`;
    };
    lines.push(`| ${title(r)} | ${SYSTEMS.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const runs = args
    .filter((a) => a !== '--overview')
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Run),
    );
  if (args.includes('--overview')) process.stdout.write(`${overview(runs)}\n`);
  else for (const r of runs) process.stdout.write(`${table(r)}\n\n`);
}
