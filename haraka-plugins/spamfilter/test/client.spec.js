'use strict';
const { Readable } = require('node:stream');
const { FilterClient, MAX_ANSWER_BYTES } = require('../lib/client');
const { startFakeFilter, json } = require('./helpers');

const settings = (url) => ({ url, maxSockets: 4, keepalive: true });
const bodyOf = (text) => (req) => {
  const stream = Readable.from([Buffer.from(text)]);
  stream.pipe(req);
  return () => stream.unpipe(req);
};
const waitFor = async (cond, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('FilterClient against a fake filter on 127.0.0.1:0', () => {
  let filter;
  let client;
  afterEach(async () => {
    if (client) client.close();
    if (filter) await filter.close();
    client = filter = undefined;
  });

  it('streams the body with the headers and returns status and body', async () => {
    filter = await startFakeFilter((req, body, res) => json(res, 200, { got: body.toString() }));
    client = new FilterClient(settings(filter.url));
    const res = await client.post(
      '/v1/scan',
      { 'x-client-ip': '192.0.2.1' },
      1000,
      bodyOf('Subject: hi\r\n\r\nbody\r\n'),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ got: 'Subject: hi\r\n\r\nbody\r\n' });
    expect(filter.requests[0]).toMatchObject({ method: 'POST', url: '/v1/scan' });
    expect(filter.requests[0].headers['content-type']).toBe('message/rfc822');
    expect(filter.requests[0].headers['x-client-ip']).toBe('192.0.2.1');
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    filter = await startFakeFilter((req, body, res) => json(res, 200, {}));
    client = new FilterClient(settings(filter.url));
    for (let i = 0; i < 5; i++) await client.post('/v1/recipient', {}, 1000);
    expect(filter.requests).toHaveLength(5);
    expect(filter.openSockets()).toBe(1);
    expect(client.inFlight).toBe(0);
  });

  it('a hanging filter: rejects at the deadline and closes the socket', async () => {
    filter = await startFakeFilter(() => {}); // never answers
    client = new FilterClient(settings(filter.url));
    const started = Date.now();
    // Ended by its own 150 ms timer (kind 'timeout', and not before it: a timer never fires early); a client without
    // the deadline would wait on the silent filter for ever.
    await expect(client.post('/v1/scan', {}, 150, bodyOf('x'))).rejects.toMatchObject({
      kind: 'timeout',
      message: 'no answer within 150 ms',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    await waitFor(() => filter.openSockets() === 0);
    expect(client.openSockets()).toBe(0);
    expect(client.inFlight).toBe(0);
  });

  it('a filter that drops the connection: rejects as a network error, nothing left open', async () => {
    filter = await startFakeFilter((req) => req.socket.destroy());
    client = new FilterClient(settings(filter.url));
    await expect(client.post('/v1/scan', {}, 1000, bodyOf('x'))).rejects.toMatchObject({
      kind: expect.stringMatching(/network|incomplete/),
    });
    await waitFor(() => filter.openSockets() === 0);
    await waitFor(() => client.openSockets() === 0);
  });

  it('a filter that stops half-way through its answer: rejects, socket closed', async () => {
    filter = await startFakeFilter((req, body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"action":');
      setTimeout(() => res.socket.destroy(), 20);
    });
    client = new FilterClient(settings(filter.url));
    await expect(client.post('/v1/scan', {}, 1000, bodyOf('x'))).rejects.toMatchObject({
      kind: expect.stringMatching(/network|incomplete/),
    });
    await waitFor(() => filter.openSockets() === 0);
  });

  it('refuses an endless answer', async () => {
    filter = await startFakeFilter((req, body, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(MAX_ANSWER_BYTES + 10, 'a'));
    });
    client = new FilterClient(settings(filter.url));
    await expect(client.post('/v1/scan', {}, 2000)).rejects.toMatchObject({ kind: 'too-large' });
    await waitFor(() => filter.openSockets() === 0);
  });

  it('nobody listening: rejects quickly', async () => {
    filter = await startFakeFilter(() => {});
    const url = filter.url;
    await filter.close();
    filter = undefined;
    client = new FilterClient(settings(url));
    await expect(client.post('/v1/scan', {}, 1000)).rejects.toMatchObject({ kind: 'network' });
  });

  it('close() leaves no socket open', async () => {
    filter = await startFakeFilter((req, body, res) => json(res, 200, {}));
    client = new FilterClient(settings(filter.url));
    await Promise.all([1, 2, 3].map(() => client.post('/v1/recipient', {}, 1000)));
    expect(client.openSockets()).toBeGreaterThan(0);
    client.close();
    await waitFor(() => filter.openSockets() === 0);
    expect(client.openSockets()).toBe(0);
  });
});
