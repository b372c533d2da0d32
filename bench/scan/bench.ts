/**
 * `npm run -s bench -- scan --corpus DIR [--concurrency N] [--seconds S] [--rate R] [--warmup S] [--url U] [--workers N] [--built] [--control MAIN_MS,THREAD_MS] [--env KEY=VALUE…] [--no-dns] [--untrained] [--json]`
 *
 * Drives POST /v1/scan over HTTP on 127.0.0.1 with the corpus' messages and prints msgsPerSec, p50Ms, p99Ms, errors
 * and peakRssMb. Without --url it starts the filter in this process on embedded defaults as scripts/embedded.ts wires
 * it (a fresh SQLite file holding the message log, lists, policies and model; in-process bus; in-memory counters),
 * with DNS checks answered by a loopback DNS server (test/dns) — SPF, DKIM, DMARC, PTR and a DNSBL zone are all
 * asked — and the load from a worker thread. The model is first trained on every corpus message, as the learner
 * would leave it (trained-model.ts; --untrained: an empty model, which skips the Bayes lookups). --rate R gives an open-loop run at R msg/s (for "p99 at half the peak rate"). --no-dns: DNS off.
 * --warmup S (default 3): unmeasured closed-loop warm-up first (JIT, caches, keep-alive connections).
 * --workers N: instead of the in-process filter, the production entry point (apps/filter/src/main.ts) as a child
 * process with FILTER_WORKERS=N on the real PostgreSQL (a fresh database) and Redis (scripts/services.sh up), the
 * loopback DNS server still in this process; cpuMsPerMsg then adds the filter processes' CPU (PostgreSQL's is not
 * counted).
 * --built: instead of the in-process filter, the built production entry point (dist/apps/filter/src/main.js; run `npm
 * run build` first) as a child process on a SQLite file trained as the in-process one is, so the filter's heap holds
 * neither ts-node nor the benchmark's corpus; the load generator and the DNS server stay in this process.
 * threadCpuMsPerMsg.main is then the child's main thread, and cpuMsPerMsg adds the child's CPU.
 * --control MAIN_MS,THREAD_MS: instead of the filter, control-server.ts as a child process: an HTTP server of the
 * filter's shape that only burns MAIN_MS of CPU on its event loop and THREAD_MS on a worker thread per request. The
 * same load against it tells what p50/p99 this machine gives any server of that CPU cost (the floor under the filter's
 * figures); threadCpuMsPerMsg and cpuMsPerMsg are counted as with --built.
 * For a CPU profile: `node --cpu-prof -r ts-node/register/transpile-only -r tsconfig-paths/register bench/run.ts scan …`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { loadConfig } from '@spamfilter/config';
import { openDataSource } from '@spamfilter/persistence';
import { SCAN_HEADERS } from '@spamfilter/domain';
import { loadMessages, readIndex } from '../lib/corpus';
import { ZoneDnsServer } from '../../test/dns/zone-dns-server';
import { createPostgresTestDatabase } from '../../test/persistence/test-databases';
import {
  spawnListening,
  startFilterProcess,
  stopProcess,
  type FilterProcess,
} from '../../test/services/filter-process';
import { freePort } from '../../test/smtp/harness';
import { statCpuMs } from '../../test/services/proc-cpu';
import type { LoadJob, LoadResult } from './load-generator';
import { startEmbeddedFilter, type EmbeddedFilter } from '../lib/embedded-filter';
import { trainModel, type TrainedModelSummary } from '../lib/trained-model';
import { addEnv, eachArg, parseControl } from '../lib/args';

/** The machine's CPU time counters (/proc/stat, Linux; null elsewhere): all, idle and steal, in ticks. */
function machineCpu(): { total: number; idle: number; steal: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), idle: (f[3] ?? 0) + (f[4] ?? 0), steal: f[7] ?? 0 };
  } catch {
    return null;
  }
}

/**
 * CPU ms of the filter's main thread (`mainTid`) and of every other thread of the processes `pids` (analysis, message
 * log, load generator, V8's GC helpers), from /proc (Linux; null elsewhere). The main thread is the filter's event
 * loop: its share per message is what bounds the filter's throughput on one core.
 */
function threadCpuMs(mainTid: number, pids: readonly number[]): { main: number; others: number } | null {
  let main = 0;
  let others = 0;
  let read = false;
  try {
    for (const pid of pids) {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        // A thread that ended since the listing has no file left: it counts as nothing.
        const ms = statCpuMs(`/proc/${pid}/task/${tid}/stat`);
        if (ms === null) continue;
        read = true;
        if (Number(tid) === mainTid) main += ms;
        else others += ms;
      }
    }
  } catch {
    return null;
  }
  return read ? { main, others } : null;
}

interface Args {
  corpus: string;
  concurrency: number;
  seconds: number;
  rate: number;
  url: string | null;
  json: boolean;
  dns: boolean;
  limit: number;
  warmup: number;
  workers: number;
  built: boolean;
  /** Train the model on the corpus before measuring (--untrained: an empty model). */
  train: boolean;
  /** Extra configuration for the filter the bench starts (--env KEY=VALUE, repeatable). */
  env: Record<string, string>;
  /** --control: the control server's CPU per request, in ms on its event loop and on its worker thread. */
  control: { mainMs: number; threadMs: number } | null;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    corpus: '',
    concurrency: 16,
    seconds: 10,
    rate: 0,
    url: null,
    json: false,
    dns: true,
    limit: 0,
    warmup: 3,
    workers: 0,
    built: false,
    train: true,
    env: {},
    control: null,
  };
  eachArg(argv, (k, v) => {
    switch (k) {
      case '--corpus':
        a.corpus = v();
        break;
      case '--concurrency':
        a.concurrency = Number(v());
        break;
      case '--seconds':
        a.seconds = Number(v());
        break;
      case '--rate':
        a.rate = Number(v());
        break;
      case '--url':
        a.url = v();
        break;
      case '--json':
        a.json = true;
        break;
      case '--no-dns':
        a.dns = false;
        break;
      case '--limit':
        a.limit = Number(v());
        break;
      case '--warmup':
        a.warmup = Number(v());
        break;
      case '--workers':
        a.workers = Number(v());
        break;
      case '--built':
        a.built = true;
        break;
      case '--untrained':
        a.train = false;
        break;
      case '--env':
        addEnv(a.env, v());
        break;
      case '--control':
        a.control = parseControl(v());
        break;
      default:
        throw new Error(`unknown argument ${k}`);
    }
  });
  if (!a.corpus)
    throw new Error('--corpus DIR is required (a folder with an index file, e.g. .cache/corpus/sa-dev)');
  if (!(a.concurrency >= 1) || !(a.seconds > 0) || !(a.rate >= 0))
    throw new Error('--concurrency ≥ 1, --seconds > 0, --rate ≥ 0');
  if (!(Number.isInteger(a.workers) && a.workers >= 0))
    throw new Error('--workers N: a whole number of filter processes');
  if ((a.workers > 0 || a.built) && a.url)
    throw new Error('--workers and --built start the filter themselves: not with --url');
  if (a.workers > 0 && a.built)
    throw new Error('--built runs one filter process on SQLite: not with --workers');
  if (a.control && (a.url || a.workers > 0 || a.built))
    throw new Error('--control starts its own server: not with --url, --workers or --built');
  return a;
}

/** Envelope for a corpus message: sender from Return-Path (else From), a client IP from the benchmarking range. */
function envelopeFor(raw: Buffer, i: number): Record<string, string> {
  const head = raw.subarray(0, 8192).toString('latin1');
  const rp =
    /^Return-Path:\s*<([^>\s]*)>/im.exec(head)?.[1] ??
    /^From:.*?<?([^\s<>"]+@[^\s<>"]+)>?/im.exec(head)?.[1] ??
    'sender@example.net';
  const mailFrom = /^[^\s@]+@[a-z0-9.-]+\.[a-z]{2,}$/i.test(rp) ? rp : 'sender@example.net';
  // RFC 2544 benchmarking range 198.18.0.0/15: 512 clients.
  const ip = `198.18.${(i >> 8) & 1}.${i & 255}`;
  return {
    [SCAN_HEADERS.clientIp]: ip,
    [SCAN_HEADERS.helo]: `mail${i % 50}.bench.example`,
    [SCAN_HEADERS.mailFrom]: mailFrom,
    [SCAN_HEADERS.rcptTo]: `user${i % 100}@customer.example`,
    [SCAN_HEADERS.direction]: 'inbound',
  };
}

/**
 * A file of this folder that imports only node built-ins, as CommonJS JavaScript: the load generator and the control
 * server run as plain JS, so neither loads TypeScript (seconds of CPU that would be charged to the measurement).
 */
function transpiled(file: string): string {
  const source = readFileSync(resolve(__dirname, file), 'utf8');
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const corpus = resolve(args.corpus);
  let entries = readIndex(corpus);
  if (args.limit > 0) entries = entries.slice(0, args.limit);
  const loaded = loadMessages(corpus, entries);
  const messages = loaded.map((m, i) => ({ raw: new Uint8Array(m.raw), headers: envelopeFor(m.raw, i) }));

  let peakRss = process.memoryUsage.rss();
  let cpu0 = process.cpuUsage();
  let threads = (): ReturnType<typeof threadCpuMs> => threadCpuMs(process.pid, [process.pid]);
  let threads0 = threads();
  let machine0 = machineCpu();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  let filter: EmbeddedFilter | null = null;
  let external: { process: FilterProcess; label: string; cleanup: () => Promise<void> } | null = null;
  let childCpu0 = 0;
  let dns: ZoneDnsServer | null = null;
  let model: TrainedModelSummary | null = null;
  let url = args.url;
  try {
    if (!url) {
      const env: Record<string, string> = { DNSBL_ZONES: 'bl.bench.test=RBL_BENCH:3', ...args.env };
      if (args.dns && !args.control) {
        // Real zone data for the bench senders: PTR + A for FCrDNS of every client, an SPF record for every
        // sender domain is not known in advance, so those are NXDOMAIN answers (still real round trips).
        dns = await ZoneDnsServer.start({});
        for (let i = 0; i < 512; i++) {
          const ip = `198.18.${(i >> 8) & 1}.${i & 255}`;
          dns.addRecords(`${ip.split('.').reverse().join('.')}.in-addr.arpa`, {
            PTR: [`mail${i % 50}.bench.example`],
          });
          if (i % 17 === 0)
            dns.addRecords(`${ip.split('.').reverse().join('.')}.bl.bench.test`, { A: ['127.0.0.2'] });
        }
        for (let i = 0; i < 50; i++) dns.addRecords(`mail${i}.bench.example`, { A: [`198.18.0.${i}`] });
        Object.assign(env, { DNS_MODE: 'servers', DNS_SERVERS: dns.address });
      }
      if (args.control) {
        external = await startControlServer(args.control);
        url = external.process.url;
        const child = external.process.child.pid as number;
        threads = () => threadCpuMs(child, [process.pid, child]);
      } else if (args.workers > 0) {
        const db = await createPostgresTestDatabase();
        try {
          if (args.train) {
            const seed = await openDataSource(db.config);
            try {
              model = await trainModel(loadConfig(env), seed, loaded);
            } finally {
              await seed.destroy();
            }
          }
          const proc = await startFilterProcess({
            ...env,
            FILTER_WORKERS: String(args.workers),
            DB_TYPE: 'postgres',
            DB_URL: db.config.url,
            COUNTERS: 'redis',
            REDIS_KEY_PREFIX: `bench-scan-${process.pid}:`,
          });
          external = {
            process: proc,
            label: `child process, FILTER_WORKERS=${args.workers}, PostgreSQL + Redis`,
            cleanup: () => db.drop(),
          };
        } catch (err) {
          await db.drop();
          throw err;
        }
        url = external.process.url;
      } else if (args.built) {
        const built = await startBuiltFilter(env, args.train ? loaded : null);
        external = built;
        model = built.model;
        url = built.process.url;
        const child = built.process.child.pid as number;
        threads = () => threadCpuMs(child, [process.pid, child]);
      } else {
        filter = await startEmbeddedFilter(env, args.train ? loaded : null);
        model = filter.model;
        url = filter.url;
      }
    }
    const job: LoadJob = {
      url,
      seconds: args.seconds,
      concurrency: args.concurrency,
      rate: args.rate,
      warmupSeconds: args.warmup,
      messages,
    };
    const result = await new Promise<LoadResult>((resolvePromise, reject) => {
      const worker = new Worker(transpiled('load-generator.ts'), {
        eval: true,
        workerData: { kind: 'scan-load', job },
      });
      // CPU is counted from the end of the warm-up (the worker says when it starts measuring).
      worker.on('message', (m: LoadResult | 'measuring') => {
        if (m === 'measuring') {
          cpu0 = process.cpuUsage();
          threads0 = threads();
          machine0 = machineCpu();
          childCpu0 = external?.process.cpuMs() ?? 0;
          peakRss = process.memoryUsage.rss();
          return;
        }
        const r = m;
        resolvePromise(r);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
    const cpu = process.cpuUsage(cpu0);
    const threads1 = threads();
    const machine1 = machineCpu();
    const machinePct = (k: 'idle' | 'steal'): number | null =>
      machine0 && machine1
        ? Math.round((1000 * (machine1[k] - machine0[k])) / Math.max(1, machine1.total - machine0.total)) / 10
        : null;
    const perMsg = (ms: number): number => Math.round((ms / Math.max(1, result.ok)) * 1000) / 1000;

    const childCpuMs = external ? external.process.cpuMs() - childCpu0 : 0;
    const sorted = Float64Array.from(result.latenciesMs).sort();
    const out = {
      url: args.url ?? external?.label ?? 'in-process, SQLite',
      model:
        args.url || args.control
          ? 'external'
          : model
            ? { trainings: model.trainings, logisticSnapshot: model.logisticSnapshot, trainMs: model.ms }
            : 'empty',
      messageLog: filter ? filter.app.services.log.stats() : null,
      dns: args.url ? 'external' : dns ? 'loopback server' : 'off',
      messages: messages.length,
      concurrency: args.rate > 0 ? null : args.concurrency,
      rate: args.rate || null,
      seconds: Math.round(result.elapsedMs) / 1000,
      sent: result.sent,
      msgsPerSec: Math.round((result.ok / result.elapsedMs) * 1000 * 10) / 10,
      p50Ms: Math.round(percentile(sorted, 50) * 100) / 100,
      p99Ms: Math.round(percentile(sorted, 99) * 100) / 100,
      maxMs: Math.round((sorted[sorted.length - 1] ?? Number.NaN) * 100) / 100,
      errors: result.errors,
      statusCounts: result.statusCounts,
      firstError: result.firstError,
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      // CPU of this whole process (filter + load generator + loopback DNS; with --workers also the filter processes)
      // per answered message: comparable across runs even when other work shares the machine, unlike msgsPerSec.
      cpuMsPerMsg: perMsg((cpu.user + cpu.system) / 1000 + childCpuMs),
      // The filter's event loop alone, and every other thread of this process (load generator, V8's GC helpers,
      // libuv's pool), from /proc's 10 ms ticks.
      threadCpuMsPerMsg:
        threads0 && threads1
          ? { main: perMsg(threads1.main - threads0.main), others: perMsg(threads1.others - threads0.others) }
          : null,
      // Of all cores during the measurement: idle, and stolen by the hypervisor (time the VM's cores did not run).
      machineIdlePct: machinePct('idle'),
      machineStealPct: machinePct('steal'),
      loadAverage: Math.round(loadavg()[0] * 100) / 100,
      dnsQueries: dns ? dns.queries.length : null,
    };
    if (args.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else
      process.stdout.write(
        `scan: ${out.msgsPerSec} msg/s, p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms, max ${out.maxMs} ms, errors ${out.errors}, peak RSS ${out.peakRssMb} MB (${out.sent} sent, DNS ${out.dns})\n`,
      );
  } finally {
    clearInterval(sampler);
    if (filter) await filter.close();
    if (external) {
      await external.process.stop();
      await external.cleanup();
    }
    if (dns) await dns.close();
  }
}

/** The built filter (dist) as its own process on a fresh SQLite file, trained first as the in-process filter is. */
async function startBuiltFilter(
  env: Record<string, string>,
  training: Parameters<typeof trainModel>[2] | null,
): Promise<{
  process: FilterProcess;
  label: string;
  model: TrainedModelSummary | null;
  cleanup: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-built-filter-'));
  const cleanup = (): Promise<void> => Promise.resolve(rmSync(dir, { recursive: true, force: true }));
  try {
    const sqlite = { ...env, DB_TYPE: 'sqlite', DB_SQLITE_PATH: join(dir, 'spamfilter.sqlite') };
    let model: TrainedModelSummary | null = null;
    if (training) {
      const config = loadConfig(sqlite);
      const seed = await openDataSource(config.database);
      try {
        model = await trainModel(config, seed, training);
      } finally {
        await seed.destroy();
      }
    }
    const proc = await startFilterProcess(sqlite, { built: true });
    return { process: proc, label: 'child process, built (dist), SQLite', model, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * control-server.ts as its own process on a free loopback port (transpiled into a temporary file), in the
 * FilterProcess shape the measurement reads.
 */
async function startControlServer(control: {
  mainMs: number;
  threadMs: number;
}): Promise<{ process: FilterProcess; label: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-control-'));
  const cleanup = (): Promise<void> => Promise.resolve(rmSync(dir, { recursive: true, force: true }));
  try {
    const file = join(dir, 'control-server.js');
    writeFileSync(file, transpiled('control-server.ts'));
    const port = await freePort();
    const child = await spawnListening(
      'control server',
      [file, String(port), String(control.mainMs), String(control.threadMs)],
      {},
      'control listening on',
      10_000,
    );
    const pid = child.pid as number;
    const proc: FilterProcess = {
      url: `http://127.0.0.1:${port}`,
      child,
      workerPids: () => [],
      cpuMs: () => statCpuMs(`/proc/${pid}/stat`) ?? 0,
      stop: (graceMs = 15_000) => stopProcess(child, graceMs),
    };
    return {
      process: proc,
      label: `control server (${control.mainMs} ms event loop + ${control.threadMs} ms thread per request)`,
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
