import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy a test can cut and restore: cut() drops every open connection and refuses new ones (as a
 * broker that went away does), restore() lets clients in again. Used with the broker's TESTPROXY listener, whose
 * advertised address is this proxy, so every connection of a client that bootstraps here goes through it.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private blocked = false;
  /** Connections refused while cut: each is a client that tried to get through, an event a test can wait for. */
  refused = 0;

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.blocked) {
        this.refused++;
        client.destroy();
        return;
      }
      const upstream = createConnection(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  cut(): void {
    this.blocked = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.blocked = false;
  }

  get connections(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
