/**
 * `npm run -s bench -- <name> [args…]`: runs bench/<name>/bench.ts (its exported `main(argv)`), so each engineer adds
 * a benchmark as a folder (bayes, scan, smtp, feedback…) without touching this dispatcher.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const available = readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(__dirname, d.name, 'bench.ts')))
    .map((d) => d.name);
  if (!name || !available.includes(name)) {
    process.stderr.write(`usage: npm run -s bench -- <${available.join('|')}> [args]\n`);
    process.exit(2);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(__dirname, name, 'bench.ts')) as { main(argv: string[]): Promise<void> };
  await mod.main(rest);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
