import type { Worker } from 'node:worker_threads';
import { startThread } from '../threads/thread-boot';
import {
  MessageAnalyser,
  type AnalysisOptions,
  type AnalysisRunner,
  type AnalysisStats,
  type MessageAnalysis,
} from './message-analysis';
import type { AnalysisReply, AnalysisRequest } from './analysis.worker';

export interface AnalysisPoolOptions {
  readonly threads: number;
  /**
   * Requests in flight per thread before the next one is analysed on the calling thread instead (a thread that has
   * fallen this far behind is stuck or starved). Replies wait for the main thread's event loop too, so this counts
   * the main thread's backlog as well: keep it well above the scan concurrency, or a busy main thread analyses
   * inline exactly when it should hand work off.
   */
  readonly maxInFlight: number;
  /** A thread that dies is replaced; after more deaths than this within a minute (a crash loop) the pool stops replacing and analyses inline. */
  readonly maxRestarts: number;
  /**
   * A request unanswered this long means the thread is stuck: it is stopped (which redoes its requests here and
   * replaces it, counting as a death). The filter passes its scan deadline.
   */
  readonly answerTimeoutMs: number;
}

export const DEFAULT_POOL: Omit<AnalysisPoolOptions, 'threads'> = {
  maxInFlight: 64,
  maxRestarts: 5,
  answerTimeoutMs: 2000,
};

interface Pending {
  readonly raw: Buffer;
  /** performance.now() when it was sent. */
  readonly at: number;
  readonly resolve: (a: MessageAnalysis) => void;
  readonly reject: (err: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  /** Being stopped by the watchdog. */
  stopping: boolean;
  readonly pending: Map<number, Pending>;
}

/**
 * Parsing, tokenizing, fingerprinting and the content heuristics (MessageAnalysis) on worker threads, so a scan's
 * pure CPU work runs on another core while the main thread serves HTTP, asks the stores and scores. On the 2-core
 * development machine this took the main thread's CPU per scan from about 1.5 to 1.0 ms (docs/benchmarks.md, "Scanning service").
 *
 * Nothing is lost to a thread: until a thread has started, when every thread has `maxInFlight` requests, when one
 * throws, and when one dies or is stopped for not answering within `answerTimeoutMs` (its requests are redone), the
 * message is analysed on the calling thread with the same code and options. A thread that dies is replaced, unless more
 * than `maxRestarts` died within the last minute.
 */
export class AnalysisPool implements AnalysisRunner {
  private readonly inline: MessageAnalyser;
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private restarts = 0;
  /** performance.now() of the deaths of the last minute. */
  private readonly deaths: number[] = [];
  private inlineCount = 0;
  private lastError: string | null = null;
  private closed = false;
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    private readonly analysis: AnalysisOptions,
    private readonly options: AnalysisPoolOptions,
  ) {
    this.inline = new MessageAnalyser(analysis);
    for (let i = 0; i < options.threads; i++) this.slots.push(this.start());
    this.watchdog = setInterval(
      () => this.stopStuckThreads(),
      Math.max(1, Math.min(250, options.answerTimeoutMs / 4)),
    );
    this.watchdog.unref();
  }

  analyse(raw: Buffer): Promise<MessageAnalysis> {
    let best: Slot | null = null;
    for (const s of this.slots)
      if (
        s.ready &&
        s.pending.size < this.options.maxInFlight &&
        (!best || s.pending.size < best.pending.size)
      )
        best = s;
    if (!best) return Promise.resolve(this.analyseInline(raw));
    const slot = best;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { raw, at: performance.now(), resolve, reject });
      // An idle thread never keeps the process alive, one with work does (until the answer is in).
      if (slot.pending.size === 1) slot.worker.ref();
      // A Buffer is often a view into a larger shared allocation, which postMessage would copy whole: copy just the
      // message into its own memory and hand that over without a second copy.
      const bytes = new Uint8Array(raw.length);
      bytes.set(raw);
      const request: AnalysisRequest = { id, raw: bytes };
      slot.worker.postMessage(request, [bytes.buffer]);
    });
  }

  stats(): AnalysisStats {
    return {
      threads: this.options.threads,
      ready: this.slots.filter((s) => s.ready).length,
      inline: this.inlineCount,
      restarts: this.restarts,
      gaveUp: !this.closed && this.slots.length < this.options.threads,
      lastError: this.lastError,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    const slots = this.slots.splice(0);
    for (const s of slots) this.redo(s);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private analyseInline(raw: Buffer): MessageAnalysis {
    this.inlineCount++;
    return this.inline.analyse(raw);
  }

  /** A thread whose oldest request (the first in the map) is older than the timeout is stopped; 'exit' does the rest. */
  private stopStuckThreads(): void {
    const now = performance.now();
    for (const slot of this.slots) {
      const oldest = slot.pending.values().next().value as Pending | undefined;
      if (!oldest || now - oldest.at < this.options.answerTimeoutMs || slot.stopping) continue;
      slot.stopping = true;
      this.lastError = `analysis thread gave no answer in ${this.options.answerTimeoutMs} ms; stopped`;
      void slot.worker.terminate();
    }
  }

  /** Answers a thread's unanswered requests on this thread (it died, or the pool closes). */
  private redo(slot: Slot): void {
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    for (const p of pending) this.answerInline(p);
  }

  /**
   * Analyses a request on this thread from a thread's event: an error here (the same bug the thread met) fails that
   * scan — the controller's 503 and SCAN_FAIL_OPEN — instead of escaping the event handler and stopping the process.
   */
  private answerInline(p: Pending): void {
    try {
      p.resolve(this.analyseInline(p.raw));
    } catch (err) {
      p.reject(err);
    }
  }

  private start(): Slot {
    const worker = startThread(__filename, 'analysis.worker', { options: this.analysis });
    const slot: Slot = { worker, ready: false, stopping: false, pending: new Map() };
    worker.on('message', (m: AnalysisReply) => {
      if (m.kind === 'ready') {
        slot.ready = true;
        return;
      }
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (slot.pending.size === 0) slot.worker.unref();
      if (m.kind === 'done') return p.resolve(m.analysis);
      this.lastError = m.error;
      this.answerInline(p);
    });
    worker.on('error', (err) => {
      this.lastError = err.message;
    });
    worker.on('exit', () => {
      slot.ready = false;
      this.redo(slot);
      const i = this.slots.indexOf(slot);
      if (i < 0 || this.closed) return;
      const now = performance.now();
      this.deaths.push(now);
      while (this.deaths.length > 0 && (this.deaths[0] as number) < now - 60_000) this.deaths.shift();
      if (this.deaths.length <= this.options.maxRestarts) {
        this.restarts++;
        this.slots[i] = this.start();
      } else {
        this.slots.splice(i, 1);
      }
    });
    // An idle pool never keeps a process alive: close() ends the threads, and an exiting process takes them along.
    // (After the listeners: adding a 'message' listener refs the thread's port again.)
    worker.unref();
    return slot;
  }
}
