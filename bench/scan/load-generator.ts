/**
 * The HTTP load generator of the scan benchmark. It runs in a worker thread, so on a 2-core machine the filter (main
 * thread) and the client do not share one event loop. Closed loop (`rate` 0: `concurrency` requests always in
 * flight) or open loop (`rate` msg/s, latency measured from the scheduled send time, so a stall is not hidden —
 * no coordinated omission).
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadJob {
  readonly url: string;
  readonly seconds: number;
  readonly concurrency: number;
  /** 0: closed loop. */
  readonly rate: number;
  /** Closed-loop warm-up (JIT, caches, connections) before measuring, not counted. */
  readonly warmupSeconds?: number;
  readonly messages: readonly { readonly raw: Uint8Array; readonly headers: Readonly<Record<string, string>> }[];
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly statusCounts: Record<string, number>;
  readonly latenciesMs: Float64Array;
  readonly elapsedMs: number;
  readonly firstError: string | null;
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const target = new URL('/v1/scan', job.url);
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(job.concurrency, 1) });
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | null = null;
  let next = 0;
  const start = performance.now();
  const end = start + job.seconds * 1000;

  const once = (scheduledAt: number): Promise<void> =>
    new Promise((resolve) => {
      const m = job.messages[next++ % job.messages.length];
      sent++;
      const req = request(
        target,
        { method: 'POST', agent, headers: { ...m.headers, 'content-type': 'message/rfc822', 'content-length': String(m.raw.length) } },
        (res) => {
          const status = String(res.statusCode);
          res.on('data', () => undefined);
          res.on('end', () => {
            statusCounts[status] = (statusCounts[status] ?? 0) + 1;
            if (res.statusCode === 200) {
              ok++;
              latencies.push(performance.now() - scheduledAt);
            } else {
              errors++;
              firstError ??= `HTTP ${status}`;
            }
            resolve();
          });
        },
      );
      req.on('error', (e) => {
        errors++;
        firstError ??= e.message;
        resolve();
      });
      req.end(m.raw);
    });

  if (job.rate <= 0) {
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (performance.now() < end) await once(performance.now());
      }),
    );
  } else {
    const interval = 1000 / job.rate;
    const inflight = new Set<Promise<void>>();
    let due = start;
    while (due < end) {
      const now = performance.now();
      while (due <= now && due < end) {
        const p = once(due);
        inflight.add(p);
        void p.then(() => inflight.delete(p));
        due += interval;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(5, due - performance.now()))));
    }
    await Promise.all(inflight);
  }
  const elapsedMs = performance.now() - start;
  agent.destroy();
  return { sent, ok, errors, statusCounts, latenciesMs: Float64Array.from(latencies), elapsedMs, firstError };
}

async function runWithWarmup(job: LoadJob): Promise<LoadResult> {
  if (job.warmupSeconds && job.warmupSeconds > 0) {
    await runLoad({ ...job, seconds: job.warmupSeconds, rate: 0, concurrency: Math.min(job.concurrency, 4), warmupSeconds: 0 });
  }
  parentPort?.postMessage('measuring');
  return runLoad(job);
}

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'scan-load') {
  const port = parentPort;
  void runWithWarmup((workerData as { job: LoadJob }).job).then((r) => port.postMessage(r, [r.latenciesMs.buffer as ArrayBuffer]));
}
