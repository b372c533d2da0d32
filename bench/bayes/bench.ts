/**
 * `npm run -s bench -- bayes --corpus DIR [--runs N] [--mode both|bayes] [--headers neutral|all] [--starter FILE]
 *   [--user] [--json]`
 * Speed of the learning core on one core, in-process: learn/s (parse + tokenize + features + train) over the whole
 * corpus into a fresh model, then classify/s (parse + tokenize + features + classify) over the whole corpus; the
 * median of N runs. Messages are read into memory first, so disk reads are not timed.
 * `--starter FILE`: with a starter model installed (libs/bayes/starter/starter-model.bin: one more table look-up per
 * token). `--user`: classify for a user who marked 50 messages (the user layer's blend, background and near-copy
 * test on every token), with the deployed BAYES_* options.
 */
import {
  DEFAULT_SPAM_CLASSIFIER,
  DEFAULT_TOKENIZER,
  MemoryBayesStore,
  SpamClassifier,
  decodeStarterModel,
  messageFingerprint,
  spamClassifierOptions,
} from '@spamfilter/bayes';
import { loadConfig } from '@spamfilter/config';
import { readFileSync } from 'node:fs';
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
  let starterFile = '';
  let user = false;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--corpus') corpus = argv[++i] ?? '';
    else if (k === '--runs') runs = Number(argv[++i]);
    else if (k === '--json') json = true;
    else if (k === '--mode') mode = argv[++i] ?? 'both';
    else if (k === '--headers') headers = argv[++i] === 'all' ? 'all' : 'neutral';
    else if (k === '--starter') starterFile = argv[++i] ?? '';
    else if (k === '--user') user = true;
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
      bayes: user ? spamClassifierOptions(loadConfig({}).bayes).bayes : DEFAULT_SPAM_CLASSIFIER.bayes,
      logistic: mode === 'bayes' ? null : DEFAULT_SPAM_CLASSIFIER.logistic,
    });
    if (starterFile) model.bayes.useStarter(decodeStarterModel(readFileSync(starterFile)));
    let c0 = cpu();
    let t0 = process.hrtime.bigint();
    for (const m of msgs)
      await model.learn(null, messageFingerprint(m.raw), model.prepare(parseMessageSafe(m.raw)), m.label);
    learnRates.push(msgs.length / (Number(process.hrtime.bigint() - t0) / 1e9));
    learnCpu.push(msgs.length / (cpu() - c0));
    const userId = user ? 'bench-user' : null;
    if (userId)
      for (const m of msgs.filter((_, i) => i % Math.floor(msgs.length / 50) === 0).slice(0, 50))
        await model.learn(userId, messageFingerprint(m.raw), model.prepare(parseMessageSafe(m.raw)), m.label);
    c0 = cpu();
    t0 = process.hrtime.bigint();
    let sink = 0;
    for (const m of msgs)
      sink += (await model.classify(model.prepare(parseMessageSafe(m.raw)), userId)).score;
    classifyRates.push(msgs.length / (Number(process.hrtime.bigint() - t0) / 1e9));
    classifyCpu.push(msgs.length / (cpu() - c0));
    if (!Number.isFinite(sink)) throw new Error('non-finite score');
  }
  const out = {
    bench: 'bayes',
    corpus,
    mode,
    headers,
    starter: starterFile || null,
    user,
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
  else
    for (const [k, v] of Object.entries(out))
      process.stdout.write(`${k.padEnd(16)} ${Array.isArray(v) ? v.join(' ') : String(v)}\n`);
}
