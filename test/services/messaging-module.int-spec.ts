/** MessagingModule with BUS=kafka against the REAL broker, and against a closed port (KAFKA_REQUIRED on and off). */
import { createServer } from 'node:net';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@spamfilter/config';
import {
  EventBus,
  KafkaEventBus,
  MessagingModule,
  MessagingUnavailableError,
  silentBusLogger,
} from '@spamfilter/messaging';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('MessagingModule with BUS=kafka', () => {
  it('provides a connected Kafka bus when the broker answers', async () => {
    const config = loadConfig({
      BUS: 'kafka',
      KAFKA_BROKERS: '127.0.0.1:9092',
      KAFKA_REQUIRED: 'true',
    }).messaging;
    const app = await Test.createTestingModule({
      imports: [MessagingModule.forRoot(config, { logger: silentBusLogger })],
    }).compile();
    await app.init();
    const bus = app.get(EventBus);
    expect(bus).toBeInstanceOf(KafkaEventBus);
    expect((await bus.health()).status).toBe('up');
    await app.close();
    expect((await bus.health()).status).toBe('down'); // closed on shutdown
  });

  it('refuses to start with one clear line when Kafka is required and unreachable', async () => {
    const port = await closedPort();
    const config = loadConfig({
      BUS: 'kafka',
      KAFKA_BROKERS: `127.0.0.1:${port}`,
      KAFKA_REQUIRED: 'true',
      KAFKA_CONNECT_TIMEOUT_MS: '500',
    }).messaging;
    const err = await Test.createTestingModule({
      imports: [MessagingModule.forRoot(config, { logger: silentBusLogger })],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingUnavailableError);
    expect((err as Error).message).toMatch(
      new RegExp(`^Kafka unreachable at 127\\.0\\.0\\.1:${port}: [^\\n]+$`),
    );
  });

  it("starts degraded, with health 'down', when Kafka is not required", async () => {
    const port = await closedPort();
    const warnings: string[] = [];
    const config = loadConfig({
      BUS: 'kafka',
      KAFKA_BROKERS: `127.0.0.1:${port}`,
      KAFKA_CONNECT_TIMEOUT_MS: '500',
    }).messaging;
    const logger = { ...silentBusLogger, warn: (m: string) => void warnings.push(m) };
    const app = await Test.createTestingModule({
      imports: [MessagingModule.forRoot(config, { logger })],
    }).compile();
    const bus = app.get(EventBus);
    expect((await bus.health()).status).toBe('down');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Kafka unreachable at .*continuing/);
    await app.close();
  });
});
