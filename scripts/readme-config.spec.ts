import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeConfig } from '@spamfilter/config';

// The README must document every configuration key with its default (regenerate with `npm run -s config:table`).
describe('README configuration table', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  it.each(describeConfig().map((row) => [row.env, row.default]))('documents %s with its default %s', (env, def) => {
    const line = readme.split('\n').find((l) => l.startsWith(`| \`${env}\` |`));
    expect(line).toBeDefined();
    expect(line).toContain(`\`${def.replace(/\|/g, '\\|')}\``);
  });
});
