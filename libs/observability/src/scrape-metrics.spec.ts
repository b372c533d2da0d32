import { Registry } from 'prom-client';
import { counterReadOnScrape, gaugeReadOnScrape } from './scrape-metrics';

describe('metrics read on scrape', () => {
  it('a gauge reads its source at every scrape, with labels', async () => {
    const registry = new Registry();
    let backlog = 3;
    gaugeReadOnScrape({ name: 't_backlog', help: 'h', registers: [registry], read: () => backlog });
    gaugeReadOnScrape({
      name: 't_lag',
      help: 'h',
      labelNames: ['topic'],
      registers: [registry],
      read: () => Promise.resolve([{ labels: { topic: 'a' }, value: 7 }]),
    });
    expect(await registry.metrics()).toMatch(/^t_backlog 3$/m);
    backlog = 0;
    const text = await registry.metrics();
    expect(text).toMatch(/^t_backlog 0$/m);
    expect(text).toMatch(/^t_lag\{topic="a"\} 7$/m);
  });

  it('a source that throws, hangs or has no value leaves its series out and the rest of the scrape intact', async () => {
    const registry = new Registry();
    gaugeReadOnScrape({
      name: 't_throws',
      help: 'h',
      registers: [registry],
      read: () => Promise.reject(new Error('db down')),
    });
    gaugeReadOnScrape({
      name: 't_hangs',
      help: 'h',
      registers: [registry],
      read: () => new Promise<number>(() => undefined),
      timeoutMs: 20,
    });
    gaugeReadOnScrape({ name: 't_none', help: 'h', registers: [registry], read: () => null });
    gaugeReadOnScrape({ name: 't_ok', help: 'h', registers: [registry], read: () => 1 });
    const text = await registry.metrics();
    expect(text).toMatch(/^t_ok 1$/m);
    expect(text).not.toMatch(/^t_(throws|hangs|none)[ {]/m);
  });

  it("a counter reports the component's running total", async () => {
    const registry = new Registry();
    const stats = { inline: 0 };
    counterReadOnScrape({
      name: 't_inline_total',
      help: 'h',
      registers: [registry],
      read: () => stats.inline,
    });
    stats.inline = 5;
    expect(await registry.metrics()).toMatch(/^t_inline_total 5$/m);
    stats.inline = 6;
    expect(await registry.metrics()).toMatch(/^t_inline_total 6$/m);
  });
});
