import { addEnv, eachArg, oneOf, parseControl } from './args';

describe('eachArg', () => {
  it('gives each flag, with the next argument as its value only when the flag asks for one', () => {
    const seen: [string, string | null][] = [];
    eachArg(['--corpus', 'dir', '--json', '--seed', '3'], (flag, value) => {
      seen.push([flag, flag === '--json' ? null : value()]);
    });
    expect(seen).toEqual([
      ['--corpus', 'dir'],
      ['--json', null],
      ['--seed', '3'],
    ]);
  });

  it('fails when a flag that needs a value is the last argument', () => {
    expect(() => eachArg(['--json', '--seed'], (flag, value) => flag === '--seed' && value())).toThrow(
      '--seed needs a value',
    );
  });
});

describe('oneOf', () => {
  it('accepts a listed choice and names the choices otherwise', () => {
    expect(oneOf('--headers', 'all', ['neutral', 'all'])).toBe('all');
    expect(() => oneOf('--headers', 'some', ['neutral', 'all'])).toThrow('--headers neutral|all');
  });
});

describe('addEnv', () => {
  it('splits KEY=VALUE at the first = and refuses a pair without a key or an =', () => {
    const env: Record<string, string> = {};
    addEnv(env, 'SCAN_THREADS=0');
    addEnv(env, 'DB_URL=postgres://u:p@h/db?x=1');
    expect(env).toEqual({ SCAN_THREADS: '0', DB_URL: 'postgres://u:p@h/db?x=1' });
    expect(() => addEnv(env, 'SCAN_THREADS')).toThrow('--env KEY=VALUE');
    expect(() => addEnv(env, '=1')).toThrow('--env KEY=VALUE');
  });
});

describe('parseControl', () => {
  it('reads the event-loop and thread milliseconds', () => {
    expect(parseControl('1,0.5')).toEqual({ mainMs: 1, threadMs: 0.5 });
    expect(parseControl('0.8, 0')).toEqual({ mainMs: 0.8, threadMs: 0 });
  });

  it.each(['1', '1,2,3', '1,', ',1', '-1,1', '1,x', '2000,1'])(
    'refuses %j with the expected form',
    (value) => {
      expect(() => parseControl(value)).toThrow(
        `--control MAIN_MS,THREAD_MS (two numbers of milliseconds, 0–1000), got ${JSON.stringify(value)}`,
      );
    },
  );
});
