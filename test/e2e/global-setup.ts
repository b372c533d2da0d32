import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SOURCES = join(ROOT, 'apps', 'api', 'console');
const BUILT = join(ROOT, 'dist', 'console', 'index.html');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The browser tests load the built console (dist/console, as apps/api serves it): build it when it is stale. */
export default function globalSetup(): void {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newest(SOURCES)) return;
  process.stdout.write('e2e: building the console (scripts/build-console.sh)\n');
  execFileSync('bash', [join(ROOT, 'scripts', 'build-console.sh')], { stdio: 'inherit' });
}
