/**
 * Prints the configuration table for the README from the declarations in libs/config, so the documentation and
 * the validation cannot disagree. Usage: npm run -s config:table
 */
import { describeConfig } from '@spamfilter/config';

const escape = (s: string): string => s.replace(/\|/g, '\\|');
const rows = describeConfig();
console.log('| key | default | meaning |');
console.log('| --- | --- | --- |');
for (const row of rows) console.log(`| \`${row.env}\` | \`${escape(row.default)}\` | ${escape(row.doc)} |`);
