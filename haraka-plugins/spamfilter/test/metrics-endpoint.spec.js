'use strict';
// The plugin's GET /metrics (hook_init_master) after real hook runs against a fake filter on 127.0.0.1:0.
const {
  makePlugin,
  configure,
  makeTransaction,
  callHook,
  startFakeFilter,
  json,
  verdict,
  MESSAGE,
} = require('./helpers');

let filter;
let plugin;
afterEach(async () => {
  if (plugin) plugin.shutdown();
  if (filter) await filter.close();
  filter = plugin = undefined;
});

async function scrape(p) {
  const { port } = p.metrics_server.address();
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

async function started(ini) {
  plugin = configure(makePlugin(), ini);
  await new Promise((resolve) => plugin.hook_init_master(resolve));
  await new Promise((resolve) =>
    plugin.metrics_server.listening ? resolve() : plugin.metrics_server.once('listening', resolve),
  );
  return plugin;
}

describe('the metrics endpoint', () => {
  it('counts a delivered verdict, a delivery without one (filter down, fail_open=true) and a 451 (fail_open=false)', async () => {
    let down = false;
    filter = await startFakeFilter((req, body, res) =>
      down ? req.socket.destroy() : json(res, 200, verdict({ 'bob@example.net': 'tag' })),
    );
    await started({ main: { url: filter.url, scan_deadline_ms: '500' }, metrics: { listen: '127.0.0.1:0' } });
    await callHook(plugin, 'hook_data_post', await makeTransaction({ message: MESSAGE }));
    down = true;
    await callHook(plugin, 'hook_data_post', await makeTransaction({ message: MESSAGE }), [], 100);
    configure(plugin, {
      main: { url: filter.url, scan_deadline_ms: '500', fail_open: 'false' },
      metrics: { listen: '127.0.0.1:0' },
    });
    await callHook(plugin, 'hook_data_post', await makeTransaction({ message: MESSAGE }), [], 100);

    const { status, type, text } = await scrape(plugin);
    expect(status).toBe(200);
    expect(type).toContain('text/plain; version=0.0.4');
    expect(text).toContain('spamfilter_haraka_messages_total{direction="inbound",outcome="delivered"} 1\n');
    expect(text).toContain('spamfilter_haraka_messages_total{direction="inbound",outcome="unscanned"} 1\n');
    expect(text).toContain('spamfilter_haraka_messages_total{direction="inbound",outcome="tempfail"} 1\n');
    expect(text).toContain(
      'spamfilter_haraka_filter_failures_total{direction="inbound",result="unscanned"} 1\n',
    );
    expect(text).toContain(
      'spamfilter_haraka_filter_failures_total{direction="inbound",result="tempfail"} 1\n',
    );
  });

  it('answers 404 elsewhere, and stays off without [metrics] listen', async () => {
    await started({ metrics: { listen: '127.0.0.1:0' } });
    const { port } = plugin.metrics_server.address();
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    plugin.shutdown();

    plugin = configure(makePlugin(), {});
    await new Promise((resolve) => plugin.hook_init_master(resolve));
    expect(plugin.metrics_server).toBeUndefined();
  });
});
