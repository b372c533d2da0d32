/**
 * Prints docs/configuration.md from the declarations in libs/config, so the documentation and the validation cannot
 * disagree. Usage: npm run -s config:table > docs/configuration.md (scripts/docs-drift.spec.ts fails when the file
 * falls behind).
 */
import { describeConfig } from '@spamfilter/config';

export function configurationDoc(): string {
  const escape = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [
    '# Configuration',
    '',
    'Every key is read once, at start-up, by `libs/config` (the only reader of the environment) and validated; a bad',
    'value stops the process with one line naming the key. This file is generated from the declarations',
    '(`npm run -s config:table > docs/configuration.md`) and `scripts/docs-drift.spec.ts` fails when it falls behind.',
    'The Haraka plugin’s keys are documented one by one in `haraka-plugins/spamfilter/config/spamfilter.ini`.',
    '',
    '| key | default | meaning |',
    '| --- | --- | --- |',
    ...describeConfig().map((row) => `| \`${row.env}\` | \`${escape(row.default)}\` | ${escape(row.doc)} |`),
  ];
  return `${lines.join('\n')}\n`;
}

if (require.main === module) process.stdout.write(configurationDoc());
