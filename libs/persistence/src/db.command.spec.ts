import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '@spamfilter/config';
import { runDbCommand } from './db.command';
import { MIGRATIONS } from './schema';

describe('db command (SQLite file)', () => {
  let dir: string;
  let config: DatabaseConfig;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sf-db-'));
    config = {
      type: 'sqlite',
      sqlitePath: join(dir, 'sf.sqlite'),
      url: 'postgres://unused@127.0.0.1:5432/unused',
      migrationsRun: false,
      poolSize: 1,
      busyTimeoutMs: 1000,
      connectTimeoutMs: 1000,
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists pending migrations, migrates, reports no drift, reverts one', async () => {
    const lines: string[] = [];
    const out = (l: string): void => void lines.push(l);
    expect(await runDbCommand('pending', config, out)).toBe(1);
    expect(lines.pop()).toContain(`pending: ${MIGRATIONS.map((m) => m.name).join(', ')}`);
    expect(await runDbCommand('migrate', config, out)).toBe(0);
    expect(lines.pop()).toMatch(new RegExp(`schema up to date \\(${MIGRATIONS.length} migrations applied`));
    expect(await runDbCommand('pending', config, out)).toBe(0);
    expect(await runDbCommand('drift', config, out)).toBe(0);
    expect(lines.pop()).toContain('no drift');
    expect(await runDbCommand('revert', config, out)).toBe(0);
    expect(await runDbCommand('pending', config, out)).toBe(1);
    expect(lines.pop()).toContain(`pending: ${MIGRATIONS.at(-1)!.name}`);
    expect(await runDbCommand('drift', config, out)).toBe(1);
  });

  it('reports an unreachable database in one line with exit code 2', async () => {
    const lines: string[] = [];
    const code = await runDbCommand(
      'migrate',
      { ...config, type: 'postgres', url: 'postgres://a:secret@127.0.0.1:1/x' },
      (l) => void lines.push(l),
    );
    expect(code).toBe(2);
    expect(lines).toEqual(['database: cannot connect to postgres at 127.0.0.1:1 (ECONNREFUSED)']);
  });
});
