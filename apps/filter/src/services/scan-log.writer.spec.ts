import type { ScanLogRecord, ScanLogSink } from './scan-log.writer';
import { ScanLogWriter } from './scan-log.writer';

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

const rec = (i: number): ScanLogRecord => ({ reference: `R${i}` }) as unknown as ScanLogRecord;

class FlakySink implements ScanLogSink {
  up = true;
  batches: string[][] = [];
  writeBatch(records: readonly ScanLogRecord[]): Promise<void> {
    if (!this.up) return Promise.reject(new Error('connection refused'));
    this.batches.push(records.map((r) => r.reference));
    return Promise.resolve();
  }
}

describe('ScanLogWriter', () => {
  it('writes in batches off the caller’s path', async () => {
    const sink = new FlakySink();
    const w = new ScanLogWriter(sink, { batchSize: 3, flushMs: 10, bufferMax: 100 });
    for (let i = 0; i < 7; i++) w.enqueue(rec(i));
    expect(sink.batches).toEqual([]);
    await until(() => w.stats().written === 7);
    expect(sink.batches.flat()).toEqual(['R0', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6']);
    expect(Math.max(...sink.batches.map((b) => b.length))).toBeLessThanOrEqual(3);
    expect(w.stats()).toMatchObject({ written: 7, buffered: 0, dropped: 0, healthy: true });
  });

  it('buffers through an outage within its bound, drops and counts the rest, and recovers', async () => {
    const sink = new FlakySink();
    sink.up = false;
    let droppedSeen = 0;
    const w = new ScanLogWriter(sink, { batchSize: 5, flushMs: 5, bufferMax: 10 });
    w.onDrop = (n) => (droppedSeen += n);
    for (let i = 0; i < 25; i++) w.enqueue(rec(i));
    await until(() => w.stats().failedBatches > 0);
    const s = w.stats();
    expect(s.healthy).toBe(false);
    expect(s.lastError).toBe('connection refused');
    expect(s.buffered).toBeLessThanOrEqual(10);
    expect(s.dropped).toBe(15);
    expect(droppedSeen).toBe(15);
    sink.up = true;
    await w.drain();
    expect(w.stats()).toMatchObject({ healthy: true, buffered: 0, written: 10 });
    // the newest records were kept
    expect(sink.batches.flat()).toContain('R24');
  });

  it('does nothing without a sink (embedded default without a message log)', () => {
    const w = new ScanLogWriter(null, { batchSize: 1, flushMs: 1, bufferMax: 1 });
    w.enqueue(rec(1));
    expect(w.stats()).toMatchObject({ buffered: 0, healthy: true });
  });
});
