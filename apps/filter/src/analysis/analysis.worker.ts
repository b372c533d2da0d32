import { parentPort, workerData } from 'node:worker_threads';
import { MessageAnalyser, type AnalysisOptions, type MessageAnalysis } from './message-analysis';

/** Main thread → analysis thread: the raw message (copied; the main thread keeps its bytes for DKIM and the log). */
export interface AnalysisRequest {
  readonly id: number;
  readonly raw: Uint8Array;
}

export type AnalysisReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'done'; readonly id: number; readonly analysis: MessageAnalysis }
  | { readonly kind: 'failed'; readonly id: number; readonly error: string };

/** One analysis thread (analysis-pool.ts starts it): answers each request with the message's analysis, in order. */
function serve(): void {
  const port = parentPort;
  if (!port) return;
  const analyser = new MessageAnalyser((workerData as { options: AnalysisOptions }).options);
  port.on('message', (m: AnalysisRequest) => {
    let reply: AnalysisReply;
    try {
      reply = {
        kind: 'done',
        id: m.id,
        analysis: analyser.analyse(Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength)),
      };
    } catch (err) {
      // The pool redoes it on the main thread, where the same error becomes the scan's own (a 503 per SCAN_FAIL_OPEN).
      reply = { kind: 'failed', id: m.id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ kind: 'ready' } satisfies AnalysisReply);
}

serve();
