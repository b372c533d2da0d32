import { Test } from '@nestjs/testing';
import { loadConfig } from '@spamfilter/config';
import { ManualClock } from './clock';
import { CounterStore } from './counter-store.port';
import { CountersModule } from './counters.module';
import { MemoryCounterStore } from './memory-counter-store';
import { RedisCounterStore } from './redis-counter-store';

describe('CountersModule', () => {
  it('provides the memory store for COUNTERS=memory, on the injected clock, and closes it on shutdown', async () => {
    const clock = new ManualClock(5_000);
    const config = loadConfig({ COUNTERS: 'memory', COUNTERS_MEMORY_MAX_KEYS: '500' }).counters;
    const app = await Test.createTestingModule({
      imports: [CountersModule.forRoot(config, { clock })],
    }).compile();
    await app.init();
    const store = app.get(CounterStore);
    expect(store).toBeInstanceOf(MemoryCounterStore);
    await store.set('k', 'v', 100);
    clock.advance(100);
    expect(await store.get('k')).toBeNull();
    expect((await store.health()).detail).toMatchObject({ maxKeys: 500 });
    await app.close();
    expect((await store.health()).status).toBe('down');
  });

  it('builds the Redis store for COUNTERS=redis and closes it even when Redis is unreachable', async () => {
    const config = loadConfig({ COUNTERS: 'redis', REDIS_URL: 'redis://127.0.0.1:1/0' }).counters;
    const app = await Test.createTestingModule({ imports: [CountersModule.forRoot(config)] }).compile();
    const store = app.get(CounterStore);
    expect(store).toBeInstanceOf(RedisCounterStore);
    await app.close();
  });
});
