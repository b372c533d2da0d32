/**
 * A configuration key: its environment variable, default, documentation and parser. Every key of the product is
 * declared with this helper in one of the section files, so docs/configuration.md and the validation come from one place.
 */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`configuration: ${key} ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigKey<T> {
  readonly env: string;
  readonly doc: string;
  /** The default as written in the README (undefined: the key is required). */
  readonly defaultText: string | undefined;
  /** Secrets are never echoed back in errors or logs. */
  readonly secret: boolean;
  read(env: Readonly<Record<string, string | undefined>>): T;
}

type Parser<T> = (raw: string) => T;

function key<T>(
  env: string,
  doc: string,
  parse: Parser<T>,
  fallback: T | undefined,
  defaultText?: string,
  secret = false,
): ConfigKey<T> {
  return {
    env,
    doc,
    secret,
    defaultText: fallback === undefined ? undefined : (defaultText ?? String(fallback)),
    read(source) {
      const raw = source[env];
      if (raw === undefined || raw === '') {
        if (fallback === undefined) throw new ConfigError(env, 'is required but not set');
        return fallback;
      }
      return parse(raw);
    },
  };
}

export const configKey = {
  string(
    env: string,
    doc: string,
    fallback?: string,
    opts: { secret?: boolean; pattern?: RegExp } = {},
  ): ConfigKey<string> {
    return key(
      env,
      doc,
      (raw) => {
        if (opts.pattern && !opts.pattern.test(raw)) {
          throw new ConfigError(
            env,
            opts.secret
              ? 'is malformed'
              : `is malformed: ${JSON.stringify(raw)} does not match ${opts.pattern}`,
          );
        }
        return raw;
      },
      fallback,
      fallback === '' ? '(empty)' : undefined,
      opts.secret ?? false,
    );
  },
  int(
    env: string,
    doc: string,
    fallback: number | undefined,
    range: { min?: number; max?: number } = {},
  ): ConfigKey<number> {
    return key(
      env,
      doc,
      (raw) => {
        if (!/^-?\d+$/.test(raw.trim()))
          throw new ConfigError(env, `must be an integer, got ${JSON.stringify(raw)}`);
        const n = Number(raw);
        if (range.min !== undefined && n < range.min)
          throw new ConfigError(env, `must be ≥ ${range.min}, got ${n}`);
        if (range.max !== undefined && n > range.max)
          throw new ConfigError(env, `must be ≤ ${range.max}, got ${n}`);
        return n;
      },
      fallback,
    );
  },
  number(
    env: string,
    doc: string,
    fallback: number | undefined,
    range: { min?: number; max?: number } = {},
  ): ConfigKey<number> {
    return key(
      env,
      doc,
      (raw) => {
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n))
          throw new ConfigError(env, `must be a number, got ${JSON.stringify(raw)}`);
        if (range.min !== undefined && n < range.min)
          throw new ConfigError(env, `must be ≥ ${range.min}, got ${n}`);
        if (range.max !== undefined && n > range.max)
          throw new ConfigError(env, `must be ≤ ${range.max}, got ${n}`);
        return n;
      },
      fallback,
    );
  },
  bool(env: string, doc: string, fallback: boolean | undefined): ConfigKey<boolean> {
    return key(
      env,
      doc,
      (raw) => {
        const v = raw.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(v)) return true;
        if (['0', 'false', 'no', 'off'].includes(v)) return false;
        throw new ConfigError(env, `must be true or false, got ${JSON.stringify(raw)}`);
      },
      fallback,
    );
  },
  oneOf<T extends string>(
    env: string,
    doc: string,
    values: readonly T[],
    fallback: T | undefined,
  ): ConfigKey<T> {
    return key(
      env,
      `${doc} (one of: ${values.join(', ')})`,
      (raw) => {
        if (!(values as readonly string[]).includes(raw)) {
          throw new ConfigError(env, `must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
        }
        return raw as T;
      },
      fallback,
    );
  },
  list(env: string, doc: string, fallback: readonly string[] | undefined): ConfigKey<readonly string[]> {
    return key(
      env,
      `${doc} (comma-separated)`,
      (raw) =>
        raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      fallback,
      fallback === undefined ? undefined : fallback.length === 0 ? '(empty)' : fallback.join(','),
    );
  },
};

/** A named group of keys; reading it reads every key and reports every bad one at once. */
export type ConfigSection<T> = { readonly [K in keyof T]: ConfigKey<T[K]> };

export function readSection<T>(
  section: ConfigSection<T>,
  env: Readonly<Record<string, string | undefined>>,
): T {
  const out = {} as T;
  const errors: ConfigError[] = [];
  for (const name of Object.keys(section) as (keyof T)[]) {
    try {
      out[name] = section[name].read(env);
    } catch (err) {
      if (err instanceof ConfigError) errors.push(err);
      else throw err;
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1)
    throw new ConfigError(errors.map((e) => e.key).join(', '), errors.map((e) => e.problem).join('; '));
  return out;
}
