/** Fields a pretty line shows in its head, not as key=value. */
const HEAD = new Set(['level', 'time', 'msg', 'context', 'app', 'pid', 'hostname', 'stack']);

/**
 * One JSON log record (what PinoLoggerService writes) as a line a person reads at a terminal (LOG_FORMAT=pretty):
 * `10:04:05.123 WARN  api [OutboxRelayService] message eventId=… reference=…`, and the stack, if any, below.
 * Nothing is dropped: every field the JSON line has is shown.
 */
export function prettyLine(record: Readonly<Record<string, unknown>>): string {
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = String(record.level ?? '')
    .toUpperCase()
    .padEnd(5);
  const head = [
    time,
    level,
    record.app,
    record.context === undefined ? undefined : `[${String(record.context)}]`,
  ]
    .filter((p) => p !== undefined && p !== '')
    .join(' ');
  const fields = Object.entries(record)
    .filter(([k, v]) => !HEAD.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${fieldValue(v)}`);
  const line = [head, record.msg === undefined ? '' : String(record.msg), ...fields]
    .filter((p) => p !== '')
    .join(' ');
  return typeof record.stack === 'string' ? `${line}\n${record.stack}` : line;
}

function fieldValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * A pino destination that writes each JSON record as a pretty line to `out` (pino hands one serialised record per
 * write). A line that is not JSON is passed through unchanged.
 */
export function prettyDestination(out: { write(chunk: string): unknown }): { write(chunk: string): void } {
  return {
    write(chunk: string): void {
      let record: unknown;
      try {
        record = JSON.parse(chunk);
      } catch {
        out.write(chunk);
        return;
      }
      out.write(`${prettyLine(record as Record<string, unknown>)}\n`);
    },
  };
}
