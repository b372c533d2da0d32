import { prettyDestination, prettyLine } from './pretty-line';

describe('prettyLine (LOG_FORMAT=pretty)', () => {
  it('puts time, level, app and context first and keeps every other field as key=value', () => {
    const line = prettyLine({
      level: 'warn',
      time: '2025-11-20T10:04:05.123Z',
      app: 'filter',
      pid: 42,
      hostname: 'h',
      context: 'Outbound',
      msg: 'auto-block: database not connected yet',
      reference: '01JREF',
      detail: { tries: 2 },
      note: 'two words',
    });
    expect(line).toBe(
      '10:04:05.123 WARN  filter [Outbound] auto-block: database not connected yet reference=01JREF detail={"tries":2} note="two words"',
    );
  });

  it('puts a stack trace on the lines below', () => {
    expect(
      prettyLine({
        level: 'error',
        time: '2025-11-20T10:04:05.123Z',
        app: 'api',
        msg: 'boom',
        stack: 'Error: boom\n    at x (y.ts:1:2)',
      }),
    ).toBe('10:04:05.123 ERROR api boom\nError: boom\n    at x (y.ts:1:2)');
  });

  it('as a destination: one pretty line per JSON record, anything else passed through', () => {
    const out: string[] = [];
    const d = prettyDestination({ write: (s: string) => out.push(s) });
    d.write('{"level":"info","time":"2025-11-20T10:04:05.123Z","app":"api","msg":"hello"}\n');
    d.write('not json\n');
    expect(out).toEqual(['10:04:05.123 INFO  api hello\n', 'not json\n']);
  });
});
