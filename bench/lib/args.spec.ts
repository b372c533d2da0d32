import { addEnv, eachArg, oneOf } from './args';

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
    expect(() => eachArg(['--json', '--seed'], (flag, value) => flag === '--seed' && value())).toThrow('--seed needs a value');
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
