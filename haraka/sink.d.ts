// Types for haraka/sink.js (plain JavaScript so the quick start needs no build step).
export interface SinkMessage {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly size: number;
  readonly file: string;
  readonly raw: Buffer;
}
export interface Sink {
  readonly port: number;
  readonly dir: string;
  readonly messages: SinkMessage[];
  /** Messages accepted so far (every store mode). */
  readonly received: number;
  close(): Promise<void>;
}
export function startSink(options: {
  port?: number;
  dir?: string;
  host?: string;
  log?: boolean;
  store?: 'files' | 'memory' | 'count';
}): Promise<Sink>;
