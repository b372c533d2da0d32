/**
 * The scan benchmark's control (`--control MAIN_MS,THREAD_MS`): an HTTP server with the filter's shape and none of its
 * work, to measure what latency this machine gives any server of that CPU cost. Each POST is read whole, then costs
 * MAIN_MS of busy CPU on the event loop (half before and half after the hand-off) and THREAD_MS on a worker thread
 * (the filter's analysis thread; 0: no hand-off), and is answered with a 2 kB JSON body, about a verdict's size.
 * It imports only node built-ins and runs as its own process (transpiled like the load generator); it prints
 * `control listening on PORT` once it listens on 127.0.0.1.
 */
import { createServer } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** Busy CPU for `ms` on this thread (no allocation, no I/O). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

function serve(port: number, mainMs: number, threadMs: number): void {
  const answer = Buffer.from(JSON.stringify({ action: 'no action', reason: 'x'.repeat(2000) }));
  const pending = new Map<number, () => void>();
  let nextId = 0;
  const thread = threadMs > 0 ? new Worker(__filename, { workerData: { threadMs } }) : null;
  thread?.on('message', (id: number) => {
    const done = pending.get(id);
    pending.delete(id);
    done?.();
  });
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      spin(mainMs / 2);
      const reply = (): void => {
        spin(mainMs / 2);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
        res.end(answer);
      };
      if (!thread) return reply();
      const id = nextId++;
      pending.set(id, reply);
      thread.postMessage(id);
    });
  });
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(
      `control listening on ${typeof address === 'object' && address ? address.port : port}\n`,
    );
  });
  process.on('SIGTERM', () => {
    void thread?.terminate();
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

if (isMainThread) {
  const [port, mainMs, threadMs] = process.argv.slice(2).map(Number);
  if (![port, mainMs, threadMs].every((n) => Number.isFinite(n) && (n as number) >= 0)) {
    throw new Error('usage: control-server PORT MAIN_MS THREAD_MS');
  }
  serve(port as number, mainMs as number, threadMs as number);
} else {
  const { threadMs } = workerData as { threadMs: number };
  parentPort?.on('message', (id: number) => {
    spin(threadMs);
    parentPort?.postMessage(id);
  });
}
