import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_CSP, consoleDir, consoleTarget } from './console-files';

describe('consoleTarget', () => {
  it('serves the app page for the root and for client-side routes', () => {
    for (const p of [
      '',
      '/',
      'index.html',
      'messages',
      'messages/01JD3Z4Q5R6S7T8V9W0X1Y2Z3A',
      'operator/aup?x=1',
      'operator/outbound/bulk%40example.net',
      'operator/outbound/bulk@example.net',
      'domain/lists/example.org',
    ])
      expect(consoleTarget(p)).toEqual({ kind: 'page' });
  });

  it('serves built files with their type; hashed bundles under assets/ are immutable', () => {
    expect(consoleTarget('assets/index-Bx12.js')).toEqual({
      kind: 'file',
      file: 'assets/index-Bx12.js',
      type: 'text/javascript; charset=utf-8',
      immutable: true,
    });
    expect(consoleTarget('favicon.svg')).toMatchObject({
      kind: 'file',
      type: 'image/svg+xml',
      immutable: false,
    });
  });

  it('never leaves the folder and never answers a missing file with the page', () => {
    for (const p of [
      '../package.json',
      'assets/../../etc/passwd',
      '%2e%2e/secret.js',
      'assets%2f..%2f..%2fx.js',
      'assets\\..\\x.js',
      '.env',
      'assets/.hidden.js',
      'assets//b.js',
      'assets/x%00.js',
      '%E0%A4%A.js',
      'assets/app.yaml',
      'assets/',
    ])
      expect(consoleTarget(p)).toEqual({ kind: 'not-found' });
  });
});

describe('CONSOLE_CSP', () => {
  it('allows this origin only, no inline script, and no framing', () => {
    expect(CONSOLE_CSP).toContain("default-src 'self'");
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });
});

describe('consoleDir', () => {
  it('takes CONSOLE_DIR, else dist/console beside the nearest package.json above the code', () => {
    const root = mkdtempSync(join(tmpdir(), 'console-dir-'));
    try {
      writeFileSync(join(root, 'package.json'), '{}');
      mkdirSync(join(root, 'dist', 'apps', 'api', 'src', 'console'), { recursive: true });
      expect(consoleDir('', join(root, 'dist', 'apps', 'api', 'src', 'console'))).toBe(
        join(root, 'dist', 'console'),
      );
      expect(consoleDir('/srv/console', root)).toBe('/srv/console');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
