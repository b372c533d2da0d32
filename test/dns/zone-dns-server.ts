import { randomBytes } from 'node:crypto';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import dns2 from 'dns2';

const { Packet } = dns2;
type DnsPacket = InstanceType<typeof dns2.Packet>;
type Send = (response: DnsPacket | Buffer) => Promise<Buffer>;
/** dns2 has RCODE at run time; its typings lack it. */
const RCODE = (Packet as unknown as { RCODE: { NXDOMAIN: number; SERVFAIL: number } }).RCODE;

/**
 * One name's records. A TXT value given as a string is one record, split into character-strings of 255 octets
 * (RFC 1035 §3.3.14); given as an array, it is one record with exactly those character-strings.
 */
export interface ZoneRecords {
  readonly A?: readonly string[];
  readonly AAAA?: readonly string[];
  readonly TXT?: readonly (string | readonly string[])[];
  readonly PTR?: readonly string[];
  readonly CNAME?: string;
  readonly MX?: readonly { readonly exchange: string; readonly priority: number }[];
  /** Questions for this name that get no answer at all (a timeout for the client): every type, or these types. */
  readonly drop?: true | readonly ('A' | 'AAAA' | 'TXT' | 'PTR' | 'CNAME' | 'MX')[];
}

/** A declarative zone: fully qualified name (no trailing dot, any case) → records. Names not listed are NXDOMAIN. */
export type ZoneTable = Readonly<Record<string, ZoneRecords>>;

export type Misbehaviour =
  | { readonly mode: 'slow'; readonly delayMs: number }
  | { readonly mode: 'drop' }
  | { readonly mode: 'truncate' }
  | { readonly mode: 'garbage' }
  | { readonly mode: 'servfail' };

const TYPE_NAMES: Record<number, Exclude<keyof ZoneRecords, 'drop'>> = {
  [Packet.TYPE.A]: 'A',
  [Packet.TYPE.AAAA]: 'AAAA',
  [Packet.TYPE.TXT]: 'TXT',
  [Packet.TYPE.PTR]: 'PTR',
  [Packet.TYPE.CNAME]: 'CNAME',
  [Packet.TYPE.MX]: 'MX',
};

/**
 * A DNS server on 127.0.0.1 for tests: serves a zone table over UDP (and TCP when asked), and can be told to
 * misbehave for names matching a pattern — answer late, not at all, with the TC bit and no TCP to fall back to, with
 * garbage bytes, or SERVFAIL — so resolvers and checks are tested against real sockets that misbehave.
 */
export class ZoneDnsServer {
  private zone = new Map<string, ZoneRecords>();
  private rules: { readonly match: RegExp; readonly behaviour: Misbehaviour }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Every question asked, "TYPE name", in order. */
  readonly queries: string[] = [];

  private constructor(private readonly server: ReturnType<typeof dns2.createServer>) {}

  static async start(zone: ZoneTable = {}, options: { readonly tcp?: boolean } = {}): Promise<ZoneDnsServer> {
    let self: ZoneDnsServer | null = null;
    const server = dns2.createServer({
      udp: true,
      tcp: options.tcp ?? false,
      handle: (request, send) => self?.handle(request, send),
    });
    self = new ZoneDnsServer(server);
    self.setZone(zone);
    server.on('requestError', () => undefined);
    server.on('error', () => undefined);
    if (options.tcp) {
      const port = await freeTcpPort();
      await server.listen({ udp: { port, address: '127.0.0.1' }, tcp: { port, address: '127.0.0.1' } });
    } else {
      await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    }
    return self;
  }

  /** "127.0.0.1:port", for DNS_SERVERS / Resolver.setServers. */
  get address(): string {
    const a = this.server.addresses().udp as AddressInfo;
    return `${a.address}:${a.port}`;
  }

  setZone(zone: ZoneTable): void {
    this.zone = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ''), v]));
  }

  addRecords(name: string, records: ZoneRecords): void {
    const key = name.toLowerCase().replace(/\.$/, '');
    const prev = this.zone.get(key) ?? {};
    this.zone.set(key, { ...prev, ...records });
  }

  /** Names matching `match` misbehave from now on; `reset()` clears every rule. */
  misbehave(match: RegExp, behaviour: Misbehaviour): void {
    this.rules.push({ match, behaviour });
  }

  reset(): void {
    this.rules = [];
    this.queries.length = 0;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.server.close();
  }

  private handle(request: DnsPacket, send: Send): void {
    const question = request.questions[0];
    if (!question) return;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const typeName = TYPE_NAMES[question.type] ?? String(question.type);
    this.queries.push(`${typeName} ${name}`);
    const rule = this.rules.find((r) => r.match.test(name));
    const drop = this.zone.get(name)?.drop;
    if (drop === true || (drop && (drop as readonly string[]).includes(typeName))) return;
    const response = Packet.createResponseFromRequest(request);
    if (rule) {
      switch (rule.behaviour.mode) {
        case 'drop':
          return;
        case 'slow': {
          this.fill(response, name, question.type);
          const t = setTimeout(() => {
            this.timers.delete(t);
            void send(response).catch(() => undefined);
          }, rule.behaviour.delayMs);
          this.timers.add(t);
          return;
        }
        case 'truncate':
          response.header.tc = 1;
          void send(response).catch(() => undefined);
          return;
        case 'garbage': {
          // The right ID (so the client does not just drop it) followed by bytes that are no DNS message.
          const junk = randomBytes(40);
          junk.writeUInt16BE(request.header.id, 0);
          junk[2] = 0x81;
          junk[3] = 0x80;
          junk.writeUInt16BE(0x0101, 4);
          junk.writeUInt16BE(0x0505, 6);
          void send(junk).catch(() => undefined);
          return;
        }
        case 'servfail':
          response.header.rcode = RCODE.SERVFAIL;
          void send(response).catch(() => undefined);
          return;
      }
    }
    this.fill(response, name, question.type);
    void send(response).catch(() => undefined);
  }

  private fill(response: DnsPacket, name: string, type: number): void {
    const records = this.zone.get(name);
    if (!records) {
      response.header.rcode = RCODE.NXDOMAIN;
      return;
    }
    const base = { name, class: Packet.CLASS.IN, ttl: 300 };
    const answers = response.answers as unknown as Record<string, unknown>[];
    if (records.CNAME && type !== Packet.TYPE.CNAME) {
      answers.push({ ...base, type: Packet.TYPE.CNAME, domain: records.CNAME });
      const target = this.zone.get(records.CNAME.toLowerCase());
      if (target) this.fillInto(answers, records.CNAME.toLowerCase(), target, type);
      return;
    }
    this.fillInto(answers, name, records, type);
  }

  private fillInto(
    answers: Record<string, unknown>[],
    name: string,
    records: ZoneRecords,
    type: number,
  ): void {
    const base = { name, class: Packet.CLASS.IN, ttl: 300 };
    switch (TYPE_NAMES[type]) {
      case 'A':
        for (const address of records.A ?? []) answers.push({ ...base, type, address });
        break;
      case 'AAAA':
        for (const address of records.AAAA ?? []) answers.push({ ...base, type, address });
        break;
      case 'TXT':
        for (const txt of records.TXT ?? [])
          answers.push({ ...base, type, data: typeof txt === 'string' ? chunk(txt) : [...txt] });
        break;
      case 'PTR':
        for (const domain of records.PTR ?? []) answers.push({ ...base, type, domain });
        break;
      case 'CNAME':
        if (records.CNAME) answers.push({ ...base, type, domain: records.CNAME });
        break;
      case 'MX':
        for (const mx of records.MX ?? [])
          answers.push({ ...base, type, exchange: mx.exchange, priority: mx.priority });
        break;
      default:
        break;
    }
  }
}

function chunk(txt: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < txt.length; i += 255) out.push(txt.slice(i, i + 255));
  return out.length ? out : [''];
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createTcpServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
