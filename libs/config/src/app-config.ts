import { ConfigError, readSection, type ConfigKey } from './config-key';
import { apiSection } from './sections/api.config';
import { authGuardSection } from './sections/auth-guard.config';
import { bayesSection } from './sections/bayes.config';
import { bayesCacheSection } from './sections/bayes-cache.config';
import { consoleSection } from './sections/console.config';
import { countersSection } from './sections/counters.config';
import { databaseSection } from './sections/database.config';
import { filterSection } from './sections/filter.config';
import { learnerSection } from './sections/learner.config';
import { logSection } from './sections/log.config';
import { logisticSection } from './sections/logistic.config';
import { messagingSection } from './sections/messaging.config';
import { outboundSection } from './sections/outbound.config';
import { quarantineSection } from './sections/quarantine.config';

/** Every section of the product's configuration. Add a section here and it is validated and documented. */
export const CONFIG_SECTIONS = {
  database: databaseSection,
  messaging: messagingSection,
  counters: countersSection,
  filter: filterSection,
  api: apiSection,
  learner: learnerSection,
  outbound: outboundSection,
  bayes: bayesSection,
  bayesCache: bayesCacheSection,
  logistic: logisticSection,
  authGuard: authGuardSection,
  log: logSection,
  quarantine: quarantineSection,
  console: consoleSection,
} as const;

type SectionValues<S> = { readonly [K in keyof S]: S[K] extends ConfigKey<infer T> ? T : never };
export type AppConfig = {
  readonly [K in keyof typeof CONFIG_SECTIONS]: SectionValues<(typeof CONFIG_SECTIONS)[K]>;
};
export type DatabaseConfig = AppConfig['database'];
export type MessagingConfig = AppConfig['messaging'];
export type CountersConfig = AppConfig['counters'];
export type FilterConfig = AppConfig['filter'];
export type ApiConfig = AppConfig['api'];
export type LearnerConfig = AppConfig['learner'];
export type BayesConfig = AppConfig['bayes'];
export type LogisticConfig = AppConfig['logistic'];
export type AuthGuardConfig = AppConfig['authGuard'];
export type LogConfig = AppConfig['log'];
export type QuarantineConfig = AppConfig['quarantine'];
export type ConsoleConfig = AppConfig['console'];

/** Reads and validates the whole configuration; reports every bad key in one ConfigError. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): AppConfig {
  const out: Record<string, unknown> = {};
  const errors: ConfigError[] = [];
  for (const [name, section] of Object.entries(CONFIG_SECTIONS)) {
    try {
      out[name] = readSection(section as never, env);
    } catch (err) {
      if (err instanceof ConfigError) errors.push(err);
      else throw err;
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1)
    throw new ConfigError(errors.map((e) => e.key).join(', '), errors.map((e) => e.problem).join('; '));
  return out as AppConfig;
}

/** The only place the product reads process.env. */
export function loadConfigFromProcess(overrides: Readonly<Record<string, string>> = {}): AppConfig {
  // libs/config is the one reader of the environment (ESLint forbids process.env everywhere else).
  return loadConfig({ ...process.env, ...overrides });
}

/** Rows for docs/configuration.md (scripts/config-table.ts). */
export function describeConfig(): { env: string; default: string; doc: string }[] {
  return Object.values(CONFIG_SECTIONS).flatMap((section) =>
    Object.values(section as Record<string, ConfigKey<unknown>>).map((k) => ({
      env: k.env,
      default: k.defaultText ?? '(required)',
      doc: k.doc,
    })),
  );
}
