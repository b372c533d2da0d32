import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { CorpusMessage } from '../lib/corpus';
import {
  Cleanup,
  freePort,
  mapLimit,
  portOpen,
  runProgram,
  startNxdomainResolver,
  startProcess,
  waitFor,
} from './processes';
import { parseHttpReply, parseRspamdCheck, type ReferenceScore } from './replies';

/** rspamd's documented default action scores (/etc/rspamd/actions.conf): add header at 6, reject at 15. */
export const RSPAMD_ADD_HEADER = 6;
export const RSPAMD_REJECT = 15;
/** The redis this bench starts for rspamd's Bayes store; never the shared 6379. */
export const RSPAMD_REDIS_PORT = 6391;

/**
 * rspamd 3.4 as Debian ships it (stock /etc/rspamd rules and modules), private to one run: our own top-level config
 * in `dir` with one normal and one controller worker on 127.0.0.1 (no proxy/milter, no fuzzy storage), the Bayes
 * classifier on a redis-server we start on 127.0.0.1:6391 (no autolearn), and every DNS query sent to a loopback
 * resolver that answers NXDOMAIN, so RBL/SURBL/SPF/fuzzy lookups find nothing and nothing leaves the machine.
 */
export class RspamdRunner {
  private normalPort = 0;
  private controllerPort = 0;
  readonly notes: string[] = [];

  constructor(
    private readonly cleanup: Cleanup,
    private readonly dir: string,
    private readonly concurrency = 2,
  ) {}

  async start(): Promise<void> {
    if (await portOpen(RSPAMD_REDIS_PORT))
      throw new Error(
        `127.0.0.1:${RSPAMD_REDIS_PORT} is in use (a redis of an earlier run?); not reusing it`,
      );
    const redisDir = join(this.dir, 'redis');
    mkdirSync(redisDir, { recursive: true });
    const redis = startProcess(this.cleanup, 'redis-server', 'redis-server', [
      '--port',
      String(RSPAMD_REDIS_PORT),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      redisDir,
      '--daemonize',
      'no',
    ]);
    await waitFor('redis-server', () => portOpen(RSPAMD_REDIS_PORT), redis, 20_000);

    const dnsPort = await startNxdomainResolver(this.cleanup);
    this.normalPort = await freePort();
    this.controllerPort = await freePort();
    for (const d of ['local.d', 'db', 'run', 'log']) mkdirSync(join(this.dir, d), { recursive: true });
    writeFileSync(
      join(this.dir, 'rspamd.conf'),
      [
        '# bench/compare: stock rules and modules, private workers on loopback',
        '.include "$CONFDIR/common.conf"',
        'options {',
        '  pidfile = "$RUNDIR/rspamd.pid";',
        '  .include "$CONFDIR/options.inc"',
        '  .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/options.inc"',
        '}',
        'logging { type = "file"; filename = "$LOGDIR/rspamd.log"; level = "error"; }',
        `worker "normal" { bind_socket = "127.0.0.1:${this.normalPort}"; .include "$CONFDIR/worker-normal.inc"; count = ${this.concurrency}; }`,
        `worker "controller" { bind_socket = "127.0.0.1:${this.controllerPort}"; .include "$CONFDIR/worker-controller.inc"; }`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(this.dir, 'local.d', 'options.inc'),
      `dns { nameserver = ["127.0.0.1:${dnsPort}"]; timeout = 0.5s; retransmits = 1; }\n`,
    );
    writeFileSync(
      join(this.dir, 'local.d', 'classifier-bayes.conf'),
      `servers = "127.0.0.1:${RSPAMD_REDIS_PORT}";\nautolearn = false;\n`,
    );

    const vars = {
      LOCAL_CONFDIR: this.dir,
      DBDIR: join(this.dir, 'db'),
      RUNDIR: join(this.dir, 'run'),
      LOGDIR: join(this.dir, 'log'),
    };
    const child = startProcess(this.cleanup, 'rspamd', 'rspamd', [
      '--no-fork',
      '--insecure',
      '-u',
      'root',
      '-g',
      'root',
      '-c',
      join(this.dir, 'rspamd.conf'),
      ...Object.entries(vars).map(([k, v]) => `--var=${k}=${v}`),
    ]);
    const ping = async (port: number): Promise<boolean> =>
      (await this.http(port, 'GET', '/ping')).body.trim() === 'pong';
    await waitFor(
      'rspamd',
      async () => (await ping(this.normalPort)) && (await ping(this.controllerPort)),
      child,
      180_000,
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}: ${child.tail()}`);
    });
  }

  /**
   * A minimal HTTP/1.1 exchange on a fresh loopback connection, read to the end and cut at Content-Length. Node's
   * http client is not used: rspamd 3.4 sometimes writes bytes after a `Connection: close` reply, which its strict
   * parser rejects ("Data after Connection: close").
   */
  private http(
    port: number,
    method: string,
    path: string,
    body?: Buffer,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      const chunks: Buffer[] = [];
      s.setTimeout(60_000, () => s.destroy(new Error(`rspamd ${path}: timeout`)));
      s.on('data', (d: Buffer) => chunks.push(d));
      s.once('error', reject);
      s.once('close', () => {
        try {
          resolve(parseHttpReply(Buffer.concat(chunks), `rspamd ${path}`));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      const extra = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      const head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}Content-Length: ${body?.length ?? 0}\r\n\r\n`;
      // no half-close: rspamd drops a request whose client shut its side down before the reply
      s.write(body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : head);
    });
  }

  /**
   * Learns through the controller (`/learnspam`, `/learnham`, what `rspamc learn_spam` calls) with `Learn-Type: bulk`:
   * rspamd's default learn condition (lualib/lua_bayes_learn.lua) otherwise refuses a message its Bayes already puts
   * in that class at ≥ 95% — train-on-error, which is how it learns from users, not from a corpus; the other systems
   * learn every training message. A message learned before (duplicates in the corpus) is refused with 208; the
   * outcomes are counted in the notes.
   */
  async learn(train: readonly CorpusMessage[]): Promise<void> {
    const outcomes = new Map<string, number>();
    for (const m of train) {
      const r = await this.http(
        this.controllerPort,
        'POST',
        m.label === 'spam' ? '/learnspam' : '/learnham',
        m.raw,
        { 'Learn-Type': 'bulk' },
      );
      // the error names the message (`<id> has been already learned as ham`): drop the id so outcomes group
      const reason = (/"error"\s*:\s*"([^"]*)/.exec(r.body)?.[1] ?? '')
        .replace(/<[^>]*>/g, '')
        .trim()
        .slice(0, 50);
      const key = r.status === 200 ? 'learned' : `${r.status} ${reason}`.trim();
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (r.status >= 500 || r.status === 0)
        throw new Error(`rspamd learn: ${r.status} ${r.body.slice(0, 200)}`);
    }
    this.notes.push(`rspamd learn: ${[...outcomes].map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  }

  async scan(raw: Buffer): Promise<ReferenceScore> {
    const r = await this.http(this.normalPort, 'POST', '/checkv2', raw);
    if (r.status !== 200) throw new Error(`rspamd /checkv2: ${r.status} ${r.body.slice(0, 200)}`);
    return parseRspamdCheck(JSON.parse(r.body));
  }

  async scanAll(test: readonly CorpusMessage[]): Promise<ReferenceScore[]> {
    return mapLimit(test, this.concurrency, (m) => this.scan(m.raw));
  }

  async version(): Promise<string> {
    return (await runProgram('rspamd', ['--version'])).trim();
  }
}
