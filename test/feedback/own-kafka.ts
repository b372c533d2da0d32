import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

/**
 * A second, single-node Kafka broker this suite controls (its own ports and log dir), so a test can stop and start
 * "Kafka" without disturbing the shared broker other suites use. Same jars and template as scripts/services.sh.
 * Everything it starts is stopped by `destroy()`, and each start/stop is bounded in time.
 */
const REPO = resolve(__dirname, '../..');
const LIBS = join(REPO, '.cache/kafka/libs');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export class OwnKafka {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly properties: string,
  ) {}

  get broker(): string {
    return `127.0.0.1:${this.port}`;
  }

  static available(): boolean {
    return existsSync(LIBS) && spawnSync('java', ['-version']).status === 0;
  }

  static async create(): Promise<OwnKafka> {
    const [port, controller] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'sf-own-kafka-'));
    const data = join(dir, 'data');
    mkdirSync(data);
    const properties = join(dir, 'server.properties');
    const template = readFileSync(join(REPO, 'scripts/kafka/server.properties.template'), 'utf8');
    let rendered = template
      .replace(/@KAFKA_DATA@/g, data)
      .replace(/@KAFKA_PORT@/g, String(port))
      .replace(/@KAFKA_CONTROLLER_PORT@/g, String(controller));
    // Any further listener the template gains (e.g. a test proxy listener) gets a free port of its own.
    for (const placeholder of new Set(rendered.match(/@[A-Z_]+_PORT@/g) ?? [])) {
      rendered = rendered.split(placeholder).join(String(await freePort()));
    }
    writeFileSync(properties, rendered);
    const cp = `${LIBS}/*`;
    const id =
      spawnSync('java', ['-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .pop() ?? '';
    const format = spawnSync(
      'java',
      ['-cp', cp, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', id, '-c', properties],
      { encoding: 'utf8' },
    );
    if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr}`);
    return new OwnKafka(port, dir, properties);
  }

  async start(timeoutMs = 90_000): Promise<void> {
    if (this.child) return;
    this.child = spawn('java', ['-Xmx384m', '-cp', `${LIBS}/*`, 'kafka.Kafka', this.properties], {
      stdio: 'ignore',
      detached: false,
    });
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (await this.ready()) return;
      if (Date.now() > until) throw new Error(`own Kafka on ${this.broker} not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops the broker process (SIGTERM, then SIGKILL after 10 s); the log dir is kept for the next start. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ready(): Promise<boolean> {
    const admin = new Kafka({
      clientId: 'own-kafka-probe',
      brokers: [this.broker],
      connectionTimeout: 500,
      requestTimeout: 2000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin();
    try {
      await admin.connect();
      const c = await admin.describeCluster();
      return c.brokers.length > 0 && c.controller !== null;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
