/**
 * `npm run -s bench -- bayes --corpus DIR [--runs N] [--mode both|bayes] [--headers neutral|all] [--json]`
 * Speed of the learning core on one core, in-process: learn/s (parse + tokenize + features + train) over the whole
 * corpus into a fresh model, then classify/s (parse + tokenize + features + classify) over the whole corpus; the
 * median of N runs. Messages are read into memory first, so disk reads are not timed.
 */
import { DEFAULT_SPAM_CLASSIFIER, DEFAULT_TOKENIZER, MemoryBayesStore, SpamClassifier, messageFingerprint } from '@spamfilter/bayes';
import { parseMessageSafe } from '@spamfilter/mail';
import { loadMessages, readIndex } from '../lib/corpus';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export async function main(argv: string[]): Promise<void> {
  let corpus = '';
  let runs = 5;
  let json = false;
  let mode = 'both';
  let headers: 'neutral' | 'all' = 'neutral';
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--corpus') corpus = argv[++i] ?? '';
    else if (k === '--runs') runs = Number(argv[++i]);
    else if (k === '--json') json = true;
    else if (k === '--mode') mode = argv[++i] ?? 'both';
    else if (k === '--headers') headers = argv[++i] === 'all' ? 'all' : 'neutral';
    else throw new Error(`unknown argument ${k}`);
  }
  if (!corpus) throw new Error('--corpus DIR is required');
  const msgs = loadMessages(corpus, readIndex(corpus));
  const bytes = msgs.reduce((a, m) => a + m.raw.length, 0);
  const learnRates: number[] = [];
  const classifyRates: number[] = [];
  // CPU time of this process: on a shared machine (other builds and tests running) wall-clock rates understate the
  // speed of one core, so both are reported; the targets are judged on CPU time.
  const learnCpu: number[] = [];
  const classifyCpu: number[] = [];
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  for (let r = 0; r < runs; r++) {
    const model = new SpamClassifier(new MemoryBayesStore(), {
      ...DEFAULT_SPAM_CLASSIFIER,
      tokenizer: { ...DEFAULT_TOKENIZER, headers },
      logistic: mode === 'bayes' ? null : DEFAULT_SPAM_CLASSIFIER.logistic,
    });
    let c0 = cpu();
    let t0 = process.hrtime.bigint();
    for (const m of msgs) await model.learn(null, messageFingerprint(m.raw), model.prepare(parseMessageSafe(m.raw)), m.label);
    learnRates.push(msgs.length / (Number(process.hrtime.bigint() - t0) / 1e9));
    learnCpu.push(msgs.length / (cpu() - c0));
    c0 = cpu();
    t0 = process.hrtime.bigint();
    let sink = 0;
    for (const m of msgs) sink += (await model.classify(model.prepare(parseMessageSafe(m.raw)))).score;
    classifyRates.push(msgs.length / (Number(process.hrtime.bigint() - t0) / 1e9));
    classifyCpu.push(msgs.length / (cpu() - c0));
    if (!Number.isFinite(sink)) throw new Error('non-finite score');
  }
  const out = {
    bench: 'bayes',
    corpus,
    mode,
    headers,
    messages: msgs.length,
    meanBytes: Math.round(bytes / msgs.length),
    runs,
    learnPerCpuSec: Math.round(median(learnCpu)),
    classifyPerCpuSec: Math.round(median(classifyCpu)),
    learnPerSec: Math.round(median(learnRates)),
    classifyPerSec: Math.round(median(classifyRates)),
    learnRuns: learnRates.map(Math.round),
    classifyRuns: classifyRates.map(Math.round),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    loadAverage: (await import('node:os')).loadavg().map((x) => Math.round(x * 100) / 100),
  };
  if (json) process.stdout.write(JSON.stringify(out) + '\n');
  else for (const [k, v] of Object.entries(out)) process.stdout.write(`${k.padEnd(16)} ${Array.isArray(v) ? v.join(' ') : String(v)}\n`);
}
