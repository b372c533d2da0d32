/**
 * Walks a bench's command line: `handle(flag, value)` for every flag, where `value()` takes the argument after the
 * flag as its value (and fails with "<flag> needs a value" when there is none). A flag without a value does not call it.
 */
export function eachArg(argv: readonly string[], handle: (flag: string, value: () => string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    handle(flag, () => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      return value;
    });
  }
}

/** `value` when it is one of `choices`, else an error naming the flag and its choices. */
export function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new Error(`${flag} ${choices.join('|')}`);
  return value as T;
}

/** `--env KEY=VALUE` (repeatable): adds the pair to `env`, the configuration of the filter a bench starts. */
export function addEnv(env: Record<string, string>, pair: string): void {
  const at = pair.indexOf('=');
  if (at <= 0) throw new Error(`--env KEY=VALUE, got ${JSON.stringify(pair)}`);
  env[pair.slice(0, at)] = pair.slice(at + 1);
}

/** The scan bench's `--control MAIN_MS,THREAD_MS`: two numbers of milliseconds, 0–1000. */
export function parseControl(value: string): { mainMs: number; threadMs: number } {
  const parts = value.split(',').map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  if (parts.length !== 2 || !parts.every((n) => Number.isFinite(n) && n >= 0 && n <= 1000)) {
    throw new Error(
      `--control MAIN_MS,THREAD_MS (two numbers of milliseconds, 0–1000), got ${JSON.stringify(value)}`,
    );
  }
  return { mainMs: parts[0] as number, threadMs: parts[1] as number };
}
