import { chmodSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import type { CorpusMessage } from '../lib/corpus';
import { Cleanup, freePort, mapLimit, runProgram, startProcess, waitFor } from './processes';
import { parseSpamdReply, type ReferenceScore } from './replies';

/** SpamAssassin's documented default `required_score`. */
export const SA_REQUIRED_SCORE = 5;

/**
 * SpamAssassin 4 as Debian ships it, private to one run: a site config in `dir/site` (the system's plugin `.pre`
 * files plus our local.cf: local tests only, Bayes on, no auto-learn), a Bayes database in `dir/bayes` learned with
 * `sa-learn`, and a spamd on 127.0.0.1 (`--local`, `--max-children 2`) that scans with the HEADERS command.
 */
export class SpamAssassinRunner {
  private port = 0;
  private readonly site: string;
  private readonly db: string;
  readonly notes: string[] = [];

  constructor(
    private readonly cleanup: Cleanup,
    private readonly dir: string,
    private readonly children = 2,
  ) {
    this.site = join(dir, 'site');
    this.db = join(dir, 'bayes');
  }

  private writeConfig(): void {
    mkdirSync(this.site, { recursive: true });
    mkdirSync(this.db, { recursive: true });
    // spamd drops root for `nobody`, which must read the config and read/write the Bayes journal
    chmodSync(dirname(this.dir), 0o755); // mkdtemp makes 0700 folders
    chmodSync(this.dir, 0o755);
    chmodSync(this.db, 0o777);
    for (const f of readdirSync('/etc/spamassassin'))
      if (f.endsWith('.pre')) copyFileSync(join('/etc/spamassassin', f), join(this.site, f));
    writeFileSync(
      join(this.site, 'local.cf'),
      [
        '# bench/compare: local tests only, Bayes on and learned by sa-learn alone',
        'use_bayes 1',
        'bayes_auto_learn 0',
        'bayes_auto_expire 0',
        `bayes_path ${join(this.db, 'bayes')}`,
        'bayes_file_mode 0666',
        'lock_method flock',
        'skip_rbl_checks 1',
        'dns_available no',
        'use_razor2 0',
        'use_pyzor 0',
        'report_safe 0',
        'add_header all Bayes _BAYES_',
        'add_header all Tests _TESTSSCORES(,)_',
        '',
      ].join('\n'),
    );
  }

  /** Writes the training messages as files and learns them with two sa-learn runs (spam, then ham). */
  async learn(train: readonly CorpusMessage[]): Promise<void> {
    this.writeConfig();
    for (const label of ['spam', 'ham'] as const) {
      const d = join(this.dir, 'train', label);
      mkdirSync(d, { recursive: true });
      let n = 0;
      for (const m of train) if (m.label === label) writeFileSync(join(d, String(n++)), m.raw);
      const out = await runProgram('sa-learn', [
        '--local',
        '--siteconfigpath',
        this.site,
        '--dbpath',
        this.db,
        `--${label}`,
        d,
      ]);
      this.notes.push(`sa-learn --${label}: ${out.trim().split('\n').pop() ?? ''}`);
    }
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const child = startProcess(this.cleanup, 'spamd', 'spamd', [
      '--local',
      '--nouser-config',
      '--siteconfigpath',
      this.site,
      '--listen',
      `127.0.0.1:${this.port}`,
      '--allowed-ips',
      '127.0.0.1',
      '--max-children',
      String(this.children),
      '--min-children',
      String(this.children),
      '--min-spare',
      '1',
      '--max-spare',
      String(this.children),
      '--username',
      'nobody',
      '--syslog',
      'stderr',
      '--pidfile',
      join(this.dir, 'spamd.pid'),
      '--helper-home-dir',
      this.dir,
    ]);
    await waitFor(
      'spamd',
      async () => /PONG/.test(await this.request('PING SPAMC/1.5\r\n\r\n')),
      child,
      120_000,
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}: ${child.tail()}`);
    });
  }

  private request(payload: string | Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: this.port });
      const chunks: Buffer[] = [];
      s.setTimeout(120_000, () => s.destroy(new Error('spamd: timeout')));
      s.on('data', (d: Buffer) => chunks.push(d));
      s.once('error', reject);
      s.once('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      s.end(payload);
    });
  }

  /** Scans one message: its Bayes probability and its full score. */
  async scan(raw: Buffer): Promise<ReferenceScore> {
    const head = Buffer.from(`HEADERS SPAMC/1.5\r\nContent-length: ${raw.length}\r\n\r\n`, 'latin1');
    return parseSpamdReply(await this.request(Buffer.concat([head, raw])));
  }

  async scanAll(test: readonly CorpusMessage[]): Promise<ReferenceScore[]> {
    return mapLimit(test, this.children, (m) => this.scan(m.raw));
  }

  async version(): Promise<string> {
    return (await runProgram('spamassassin', ['--version'])).split('\n')[0]?.trim() ?? '';
  }
}
