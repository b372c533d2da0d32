/**
 * `npm run -s bench -- smtp --corpus DIR [--connections N] [--seconds S] [--json]
 *                          [--filter URL] [--haraka HOST:PORT] [--nodes N] [--limit N] [--fail-open] [--no-rcpt-check] [--untrained] [--env KEY=VALUE]
 *                          [--baseline [--rounds N]] [--haraka-cpu-prof DIR]`
 *
 * End-to-end SMTP throughput: real SMTP on loopback → Haraka (child process, haraka/inbound config) with the
 * spamfilter plugin → the filter (apps/filter in this process as the embedded product wires it — its own SQLite file
 * with the message log, a model trained on the corpus unless --untrained, DNS off — unless --filter) →
 * Haraka's smtp_forward → the next-hop sink (its own process, counting). The load comes from a worker thread.
 * Prints msgsPerSec (transactions answered per second), p50Ms/p99Ms (MAIL FROM to final reply), tempfails, rejects,
 * and lost = sent − delivered − refused (must be 0; "refused" = 4xx, 5xx and transactions without a final answer,
 * which the sender keeps and retries). With --haraka the sink is not ours, so delivered and lost are null.
 * --baseline: the same Haraka configuration without our plugin (the `spamfilter` line taken out of config/plugins),
 * the same sink, client and messages, run alternately with the filtered one --rounds times (default 2 pairs) in the
 * same process; prints both sides' medians and ratioToBaseline = median msgs/s with the filter ÷ without.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import {
  procCpuMs,
  startHaraka,
  startSinkProcess,
  type HarakaHandle,
  type SinkProcess,
} from '../../test/smtp/harness';
import { loadMessages, readIndex } from '../lib/corpus';
import { startEmbeddedFilter, type EmbeddedFilter } from '../lib/embedded-filter';
import type { SmtpLoadJob, SmtpLoadResult } from './smtp-load';
import { addEnv, eachArg } from '../lib/args';

interface Args {
  corpus: string;
  connections: number;
  seconds: number;
  json: boolean;
  filter: string | null;
  /** Train the in-process filter's model on the corpus first (--untrained: an empty model). */
  train: boolean;
  haraka: string | null;
  nodes: number;
  limit: number;
  failOpen: boolean;
  rcptCheck: boolean;
  /** Configuration of the embedded filter (--env KEY=VALUE, repeatable). */
  env: Record<string, string>;
  /** Also measure Haraka without our plugin, alternating, and print the ratio. */
  baseline: boolean;
  rounds: number;
  /** Write Haraka's CPU profile (node --cpu-prof) into this folder. */
  harakaCpuProf: string | null;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    corpus: '',
    connections: 32,
    seconds: 10,
    json: false,
    filter: null,
    train: true,
    haraka: null,
    nodes: 0,
    limit: 0,
    failOpen: false,
    rcptCheck: true,
    env: {},
    baseline: false,
    rounds: 2,
    harakaCpuProf: null,
  };
  eachArg(argv, (k, v) => {
    switch (k) {
      case '--corpus':
        a.corpus = v();
        break;
      case '--connections':
        a.connections = Number(v());
        break;
      case '--seconds':
        a.seconds = Number(v());
        break;
      case '--json':
        a.json = true;
        break;
      case '--untrained':
        a.train = false;
        break;
      case '--filter':
        a.filter = v();
        break;
      case '--haraka':
        a.haraka = v();
        break;
      case '--nodes':
        a.nodes = Number(v());
        break;
      case '--limit':
        a.limit = Number(v());
        break;
      case '--fail-open':
        a.failOpen = true;
        break;
      case '--no-rcpt-check':
        a.rcptCheck = false;
        break;
      case '--env':
        addEnv(a.env, v());
        break;
      case '--baseline':
        a.baseline = true;
        break;
      case '--rounds':
        a.rounds = Number(v());
        break;
      case '--haraka-cpu-prof':
        a.harakaCpuProf = resolve(v());
        break;
      default:
        throw new Error(`unknown argument ${k}`);
    }
  });
  if (!a.corpus)
    throw new Error('--corpus DIR is required (a folder with an index file, e.g. .cache/corpus/sa-dev)');
  if (
    !(a.connections >= 1) ||
    !(a.seconds > 0) ||
    !(a.nodes >= 0) ||
    !(Number.isInteger(a.rounds) && a.rounds >= 1)
  )
    throw new Error('--connections ≥ 1, --seconds > 0, --nodes ≥ 0, --rounds ≥ 1');
  if (a.baseline && a.haraka)
    throw new Error('--baseline starts its own Haraka; it cannot be used with --haraka');
  return a;
}

/** CRLF line ends, dot-stuffed (RFC 5321 §4.5.2), terminated: ready to write after DATA's 354. */
export function encodeForData(raw: Buffer): Uint8Array {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n');
  const body = text.endsWith('\r\n') ? text : `${text}\r\n`;
  return Buffer.from(`${body.replace(/(^|\r\n)\./g, '$1..')}.\r\n`, 'latin1');
}

function senderOf(raw: Buffer): string {
  const head = raw.subarray(0, 8192).toString('latin1');
  const rp =
    /^Return-Path:\s*<([^>\s]*)>/im.exec(head)?.[1] ??
    /^From:.*?<?([^\s<>"]+@[^\s<>"]+)>?/im.exec(head)?.[1] ??
    '';
  return /^[^\s@<>]+@[a-z0-9.-]+\.[a-z]{2,}$/i.test(rp) ? rp : 'sender@bench.example';
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

/** config/plugins of haraka/inbound without our plugin: the baseline Haraka (same TLS, relay check, queue). */
export function pluginsWithoutSpamfilter(plugins: string): string {
  return plugins
    .split('\n')
    .filter((line) => line.trim() !== 'spamfilter')
    .join('\n');
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return round(
    s.length === 0
      ? Number.NaN
      : s.length % 2
        ? s[(s.length - 1) / 2]
        : (s[s.length / 2 - 1] + s[s.length / 2]) / 2,
    3,
  );
};

type RunResult = Awaited<ReturnType<typeof runLoad>>;

/** One timed load against Haraka at host:port; the sink's count is read before and after. */
async function runLoad(job: SmtpLoadJob, haraka: HarakaHandle | null, sink: SinkProcess | null) {
  const sinkBefore = sink ? await sink.received() : 0;
  const cpu0 = process.cpuUsage();
  const harakaCpu0 = haraka ? haraka.cpuMs() : null;
  const sinkCpu0 = sink ? procCpuMs(sink.pid) : null;
  const result = await new Promise<SmtpLoadResult>((resolvePromise, reject) => {
    // Node built-ins only: transpile once, run as plain JS so the worker does not load TypeScript.
    const source = readFileSync(resolve(__dirname, 'smtp-load.ts'), 'utf8');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const worker = new Worker(js, { eval: true, workerData: { kind: 'smtp-load', job } });
    worker.once('message', (r: SmtpLoadResult) => {
      resolvePromise(r);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
  const cpu = process.cpuUsage(cpu0);
  const harakaCpu1 = haraka ? haraka.cpuMs() : null;
  const sinkCpu1 = sink ? procCpuMs(sink.pid) : null;
  // smtp_forward answers 250 only after the sink has the message, so the count is final; allow a moment anyway.
  let delivered: number | null = null;
  if (sink) {
    const until = Date.now() + 3000;
    delivered = (await sink.received()) - sinkBefore;
    while (delivered < result.accepted && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
      delivered = (await sink.received()) - sinkBefore;
    }
  }
  const refused = result.tempfails + result.rejects + result.errors;
  const sorted = Float64Array.from(result.latenciesMs).sort();
  const perMsg = (ms: number | null): number | null =>
    ms === null ? null : round(ms / Math.max(1, result.sent), 3);
  return {
    seconds: round(result.elapsedMs / 1000, 3),
    sent: result.sent,
    accepted: result.accepted,
    delivered,
    msgsPerSec: round((result.sent / result.elapsedMs) * 1000, 1),
    deliveredPerSec: delivered === null ? null : round((delivered / result.elapsedMs) * 1000, 1),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN),
    tempfails: result.tempfails,
    rejects: result.rejects,
    errors: result.errors,
    lost: delivered === null ? null : result.sent - delivered - refused,
    replyCounts: result.replyCounts,
    firstError: result.firstError,
    // CPU per message, less dependent on what else shares the machine than msgsPerSec: Haraka's processes, the
    // bench process (the filter + the load generator thread) and the sink process. 2000 / (Haraka + filter) is the
    // product's ceiling on 2 otherwise idle cores.
    harakaCpuMsPerMsg: perMsg(harakaCpu0 === null || harakaCpu1 === null ? null : harakaCpu1 - harakaCpu0),
    benchProcessCpuMsPerMsg: perMsg((cpu.user + cpu.system) / 1000),
    sinkCpuMsPerMsg: perMsg(sinkCpu0 === null || sinkCpu1 === null ? null : sinkCpu1 - sinkCpu0),
    loadAverage: round(loadavg()[0]),
  };
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const corpus = resolve(args.corpus);
  let entries = readIndex(corpus);
  if (args.limit > 0) entries = entries.slice(0, args.limit);
  const loaded = loadMessages(corpus, entries);
  const messages = loaded.map((m, i) => ({
    from: senderOf(m.raw),
    to: `user${i % 100}@example.net`,
    data: encodeForData(m.raw),
  }));

  let filter: EmbeddedFilter | null = null;
  let sink: SinkProcess | null = null;
  try {
    if (args.haraka) {
      const [h, p] = args.haraka.split(':');
      const job: SmtpLoadJob = {
        host: h || '127.0.0.1',
        port: Number(p),
        connections: args.connections,
        seconds: args.seconds,
        messages,
      };
      const out = {
        haraka: args.haraka,
        filter: args.filter ?? 'external',
        model: 'external',
        messages: messages.length,
        connections: args.connections,
        rcptCheck: args.rcptCheck,
        ...(await runLoad(job, null, null)),
        harakaStartupMs: null,
        harakaStartupCpuMs: null,
      };
      report(args, out);
      return;
    }
    let filterUrl = args.filter;
    if (!filterUrl) {
      filter = await startEmbeddedFilter(args.env, args.train ? loaded : null);
      filterUrl = filter.url;
    }
    sink = await startSinkProcess();
    const plugins = readFileSync(resolve(__dirname, '../../haraka/inbound/config/plugins'), 'utf8');
    const measure = async (withFilter: boolean) => {
      const haraka = await startHaraka({
        kind: 'inbound',
        filterUrl: filterUrl!,
        sinkPort: sink!.port,
        hostList: ['example.net'],
        logLevel: 'warn',
        nodes: args.nodes,
        spamfilter: {
          main: {
            fail_open: String(args.failOpen),
            ...(args.env.FILTER_API_TOKEN ? { token: args.env.FILTER_API_TOKEN } : {}),
          },
          checks: { rcpt: String(args.rcptCheck) },
        },
        files: withFilter ? {} : { plugins: pluginsWithoutSpamfilter(plugins) },
        ...(args.harakaCpuProf ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${args.harakaCpuProf}`] } : {}),
      });
      try {
        const job: SmtpLoadJob = {
          host: '127.0.0.1',
          port: haraka.port,
          connections: args.connections,
          seconds: args.seconds,
          messages,
        };
        return {
          ...(await runLoad(job, haraka, sink)),
          harakaStartupMs: haraka.listeningMs,
          harakaStartupCpuMs: haraka.listeningCpuMs,
        };
      } finally {
        await haraka.stop();
      }
    };
    const head = {
      haraka: `child process, nodes=${args.nodes}`,
      filter: args.filter ?? 'in-process (embedded defaults: SQLite, DNS off)',
      model: filter
        ? filter.model
          ? { trainings: filter.model.trainings, logisticSnapshot: filter.model.logisticSnapshot }
          : 'empty'
        : 'external',
      messages: messages.length,
      connections: args.connections,
      rcptCheck: args.rcptCheck,
    };
    if (!args.baseline) {
      report(args, { ...head, ...(await measure(true)) });
      return;
    }
    const filtered: RunResult[] = [];
    const baseline: RunResult[] = [];
    for (let i = 0; i < args.rounds; i++) {
      filtered.push(await measure(true));
      baseline.push(await measure(false));
    }
    const summary = (runs: RunResult[]) => ({
      msgsPerSec: median(runs.map((r) => r.msgsPerSec)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      harakaCpuMsPerMsg: median(runs.map((r) => r.harakaCpuMsPerMsg ?? Number.NaN)),
      benchProcessCpuMsPerMsg: median(runs.map((r) => r.benchProcessCpuMsPerMsg ?? Number.NaN)),
      sinkCpuMsPerMsg: median(runs.map((r) => r.sinkCpuMsPerMsg ?? Number.NaN)),
      lost: runs.reduce((n, r) => n + (r.lost ?? 0), 0),
      runs: runs.map((r) => ({
        msgsPerSec: r.msgsPerSec,
        p99Ms: r.p99Ms,
        tempfails: r.tempfails,
        rejects: r.rejects,
        errors: r.errors,
        lost: r.lost,
        loadAverage: r.loadAverage,
      })),
    });
    const out = { ...head, rounds: args.rounds, withFilter: summary(filtered), baseline: summary(baseline) };
    const ratio = round(out.withFilter.msgsPerSec / out.baseline.msgsPerSec, 3);
    if (args.json) process.stdout.write(`${JSON.stringify({ ...out, ratioToBaseline: ratio })}\n`);
    else
      process.stdout.write(
        `smtp: with the filter ${out.withFilter.msgsPerSec} msg/s (p99 ${out.withFilter.p99Ms} ms), without ${out.baseline.msgsPerSec} msg/s (p99 ${out.baseline.p99Ms} ms): ratioToBaseline ${ratio} (medians of ${args.rounds} alternating pairs)\n`,
      );
    if (out.withFilter.lost !== 0 || out.baseline.lost !== 0) process.exitCode = 1;
  } finally {
    if (sink) await sink.stop();
    if (filter) await filter.close();
  }
}

function report(args: Args, out: RunResult & Record<string, unknown>): void {
  if (args.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else
    process.stdout.write(
      `smtp: ${out.msgsPerSec} msg/s, p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms, tempfails ${out.tempfails}, rejects ${out.rejects}, errors ${out.errors}, lost ${out.lost} (${out.sent} sent, ${out.delivered} delivered, ${args.connections} connections)\n`,
    );
  if (out.lost !== null && out.lost !== 0) process.exitCode = 1;
}
