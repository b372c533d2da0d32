'use strict';
// The plugin's hooks under haraka-test-fixtures, against a fake filter on 127.0.0.1:0.
const constants = require('haraka-constants');
const {
  makePlugin,
  configure,
  makeTransaction,
  callHook,
  reply,
  startFakeFilter,
  json,
  verdict,
  MESSAGE,
} = require('./helpers');

const REF = '01JD0000000000000000000000';
const headersOf = (connection, name) => connection.transaction.header.get_all(name).map((v) => v.trim());
/** Polls until `cond` holds; the ceiling only matters when the code is broken. */
const waitFor = async (cond, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

let filter;
let plugin;
afterEach(async () => {
  if (plugin && plugin.client) plugin.client.close();
  if (filter) await filter.close();
  filter = plugin = undefined;
});

async function setup(handler, ini = {}) {
  // A test may set up several filters in turn: the previous one is closed first.
  if (plugin && plugin.client) plugin.client.close();
  if (filter) await filter.close();
  filter = await startFakeFilter(handler);
  plugin = configure(makePlugin(), { ...ini, main: { url: filter.url, ...(ini.main || {}) } });
  return plugin;
}

describe('register', () => {
  it('loads the packaged spamfilter.ini defaults, keeping the deadline under the plugin timeout', () => {
    plugin = makePlugin();
    expect(plugin.settings).toMatchObject({
      url: 'http://127.0.0.1:8025',
      direction: 'inbound',
      failOpen: true,
      checkDeadlineMs: 1500,
    });
    // The fixture's plugin timeout is 10 s, so the packaged 10000 ms deadline is lowered to 9000.
    expect(plugin.timeout).toBe(10);
    expect(plugin.settings.scanDeadlineMs).toBe(9000);
  });
});

describe('hook_data_post', () => {
  it('streams envelope and message, applies tag: headers added, forged header removed', async () => {
    await setup((req, body, res) => json(res, 200, verdict({ 'bob@example.net': 'tag' })));
    const connection = await makeTransaction({ message: MESSAGE });
    const { rc, calls } = await callHook(plugin, 'hook_data_post', connection);
    expect(calls).toHaveLength(1);
    expect(rc).toBeUndefined();
    const sent = filter.requests[0];
    expect(sent.url).toBe('/v1/scan');
    expect(sent.headers).toMatchObject({
      'x-client-ip': '192.0.2.10',
      'x-helo': 'mx.sender.example',
      'x-mail-from': 'alice@sender.example',
      'x-rcpt-to': 'bob@example.net',
      'x-direction': 'inbound',
      'content-type': 'message/rfc822',
    });
    const body = sent.body.toString();
    expect(body).toContain('\r\n\r\nShall we meet at noon?\r\n.a line that began with a dot\r\nBye\r\n');
    expect(body).not.toContain('forged by the sender');
    expect(headersOf(connection, 'X-Spam-Status')).toEqual(['Yes, score=7.50 action=tag']);
    expect(headersOf(connection, 'X-Spam-Reference')).toEqual([REF]);
    expect(connection.transaction.notes.spamfilter).toMatchObject({ reference: REF, action: 'tag' });
  });

  it('reject: 550 5.7.1 with the reference', async () => {
    await setup((req, body, res) => json(res, 200, verdict({ 'bob@example.net': 'reject' })));
    const connection = await makeTransaction({ message: MESSAGE });
    const { rc, msg } = await callHook(plugin, 'hook_data_post', connection);
    expect(rc).toBe(constants.deny);
    expect(reply(msg)).toEqual({ code: 550, text: `5.7.1 Message refused as spam (ref ${REF})` });
  });

  it('greylist: 451 4.7.1', async () => {
    await setup((req, body, res) => json(res, 200, verdict({ 'bob@example.net': 'greylist' })));
    const connection = await makeTransaction({ message: MESSAGE });
    const { rc, msg } = await callHook(plugin, 'hook_data_post', connection);
    expect(rc).toBe(constants.denysoft);
    expect(reply(msg).code).toBe(451);
    expect(reply(msg).text).toMatch(/^4\.7\.1 /);
  });

  it('several recipients, accept + reject: the rejecting one leaves the transaction (quarantined by the filter)', async () => {
    await setup((req, body, res) =>
      json(res, 200, verdict({ 'a@example.net': 'accept', 'b@example.net': 'reject' })),
    );
    const connection = await makeTransaction({
      message: MESSAGE,
      rcptTo: ['a@example.net', 'b@example.net'],
    });
    const { rc } = await callHook(plugin, 'hook_data_post', connection);
    expect(rc).toBeUndefined();
    expect(filter.requests[0].headers['x-rcpt-to']).toBe('a@example.net,b@example.net');
    expect(connection.transaction.rcpt_to.map((r) => r.address)).toEqual(['a@example.net']);
    expect(headersOf(connection, 'X-Spam-Status')).toEqual(['No, score=7.50 action=accept']);
    expect(headersOf(connection, 'X-Spam-Status-For')).toEqual([]);
    expect(connection.transaction.notes.spamfilter_copies).toBeUndefined();
  });

  it('several recipients, accept + tag: two copies left to hook_queue, no header added to the shared message', async () => {
    await setup((req, body, res) =>
      json(res, 200, verdict({ 'a@example.net': 'accept', 'b@example.net': 'tag' })),
    );
    const connection = await makeTransaction({
      message: MESSAGE,
      rcptTo: ['a@example.net', 'b@example.net'],
    });
    const { rc } = await callHook(plugin, 'hook_data_post', connection);
    expect(rc).toBeUndefined();
    expect(connection.transaction.notes.spamfilter_copies.map((c) => c.recipients)).toEqual([
      ['a@example.net'],
      ['b@example.net'],
    ]);
    expect(headersOf(connection, 'X-Spam-Status')).toEqual([]);
  });

  it.each([
    [400, 550, '5.6.0'],
    [413, 552, '5.3.4'],
    [422, 550, '5.6.0'],
  ])(
    'the filter answers %i (bad input): refused with %i %s, never delivered (fail_open=true)',
    async (status, code, enhanced) => {
      await setup((req, body, res) => json(res, status, { error: 'bad request', reason: 'x-helo is odd' }), {
        main: { fail_open: 'true' },
      });
      const connection = await makeTransaction({ message: MESSAGE });
      const { rc, msg } = await callHook(plugin, 'hook_data_post', connection);
      expect(rc).toBe(constants.deny);
      expect(reply(msg).code).toBe(code);
      expect(reply(msg).text.startsWith(enhanced)).toBe(true);
      expect(headersOf(connection, 'X-Spam-Status')).toEqual([]);
    },
  );

  it.each([401, 403])(
    'the filter refuses our token (%i): 451 4.3.0 even with fail_open=true',
    async (status) => {
      await setup((req, body, res) => json(res, status, { error: 'unauthorized' }), {
        main: { fail_open: 'true' },
      });
      const connection = await makeTransaction({ message: MESSAGE });
      const { rc, msg } = await callHook(plugin, 'hook_data_post', connection);
      expect(rc).toBe(constants.denysoft);
      expect(reply(msg)).toEqual({
        code: 451,
        text: '4.3.0 Message could not be scanned, please try again later',
      });
    },
  );

  it('sends the token as a bearer credential', async () => {
    await setup((req, body, res) => json(res, 200, verdict({ 'bob@example.net': 'accept' })), {
      main: { token: 's3cret' },
    });
    const connection = await makeTransaction({ message: MESSAGE });
    await callHook(plugin, 'hook_data_post', connection);
    expect(filter.requests[0].headers.authorization).toBe('Bearer s3cret');
  });

  describe.each([
    ['hangs', () => {}],
    ['drops the connection', (req) => req.socket.destroy()],
    ['answers garbage', (req, body, res) => json(res, 200, '<html>oops</html>')],
    ['answers HTTP 500', (req, body, res) => json(res, 500, { error: 'boom' })],
    [
      'answers a verdict without recipients',
      (req, body, res) => json(res, 200, { ...verdict({ 'bob@example.net': 'reject' }), recipients: [] }),
    ],
  ])('a filter that %s', (_name, handler) => {
    it('fail_open=true: accepted once, tagged unscanned, no socket left', async () => {
      await setup(handler, { main: { scan_deadline_ms: '200', fail_open: 'true' } });
      const connection = await makeTransaction({ message: MESSAGE });
      const { rc, calls } = await callHook(plugin, 'hook_data_post', connection, [], 100);
      expect(calls).toHaveLength(1);
      expect(rc).toBeUndefined();
      expect(headersOf(connection, 'X-Spam-Status')).toEqual(['unscanned']);
      expect(plugin.client.inFlight).toBe(0);
      // A request that failed at the transport level must have closed its socket (a complete HTTP answer, even a
      // garbage one, may keep its connection in the keep-alive pool).
      if (_name === 'hangs' || _name.startsWith('drops')) {
        const deadline = Date.now() + 30_000;
        while (filter.openSockets() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(filter.openSockets()).toBe(0);
      }
    });

    it('fail_open=false: 451 4.3.0 once', async () => {
      await setup(handler, { main: { scan_deadline_ms: '200', fail_open: 'false' } });
      const connection = await makeTransaction({ message: MESSAGE });
      const { rc, msg, calls } = await callHook(plugin, 'hook_data_post', connection, [], 100);
      expect(calls).toHaveLength(1);
      expect(rc).toBe(constants.denysoft);
      expect(reply(msg)).toEqual({
        code: 451,
        text: '4.3.0 Message could not be scanned, please try again later',
      });
    });
  });

  it('an answer arriving after the deadline does not call next() again', async () => {
    await setup(
      (req, body, res) => setTimeout(() => json(res, 200, verdict({ 'bob@example.net': 'reject' })), 300),
      {
        main: { scan_deadline_ms: '100' },
      },
    );
    const connection = await makeTransaction({ message: MESSAGE });
    const { rc, calls } = await callHook(plugin, 'hook_data_post', connection, [], 500);
    expect(calls).toHaveLength(1);
    expect(rc).toBeUndefined();
    expect(headersOf(connection, 'X-Spam-Status')).toEqual(['unscanned']);
  });

  it('refuses a message over max_bytes with 552 5.3.4 without asking the filter (never unscanned)', async () => {
    await setup((req, body, res) => json(res, 200, verdict({ 'bob@example.net': 'reject' })), {
      main: { max_bytes: '10' },
    });
    const connection = await makeTransaction({ message: MESSAGE });
    const { rc, msg } = await callHook(plugin, 'hook_data_post', connection);
    expect(rc).toBe(constants.deny);
    expect(reply(msg).code).toBe(552);
    expect(filter.requests).toHaveLength(0);
    expect(headersOf(connection, 'X-Spam-Status')).toEqual([]);
  });

  it('outbound: sends direction and the AUTH user; block answers 550 5.7.1', async () => {
    await setup((req, body, res) => json(res, 200, verdict({ 'x@remote.example': 'block' })), {
      main: { direction: 'outbound' },
    });
    const connection = await makeTransaction({
      message: MESSAGE,
      rcptTo: ['x@remote.example'],
      relaying: true,
      authUser: 'alice@example.net',
    });
    const { rc, msg } = await callHook(plugin, 'hook_data_post', connection);
    expect(filter.requests[0].headers).toMatchObject({
      'x-direction': 'outbound',
      'x-auth-user': 'alice@example.net',
    });
    expect(rc).toBe(constants.deny);
    expect(reply(msg).code).toBe(550);
    expect(reply(msg).text).toContain(REF);
  });

  it('outbound defer: 421 4.7.0 and disconnect', async () => {
    await setup((req, body, res) => json(res, 200, verdict({ 'x@remote.example': 'defer' })), {
      main: { direction: 'outbound' },
    });
    const connection = await makeTransaction({
      message: MESSAGE,
      rcptTo: ['x@remote.example'],
      relaying: true,
      authUser: 'alice',
    });
    const { rc, msg } = await callHook(plugin, 'hook_data_post', connection);
    expect(rc).toBe(constants.denysoftdisconnect);
    expect(reply(msg).code).toBe(421);
    expect(reply(msg).text).toMatch(/^4\.7\.0 /);
  });
});

describe('kept copies (queue hooks)', () => {
  it('a message whose every copy the filter kept is accepted and sent to nobody; everything else passes on', async () => {
    plugin = makePlugin();
    const held = await makeTransaction({ message: MESSAGE });
    held.transaction.notes.spamfilter_discard = 'Message accepted and held for review (ref R1)';
    const out = await callHook(plugin, 'hook_queue_outbound', held);
    expect(out.rc).toBe(constants.ok);
    expect(out.msg).toBe('Message accepted and held for review (ref R1)');
    expect((await callHook(plugin, 'hook_queue', held)).rc).toBe(constants.ok);
    const normal = await makeTransaction({ message: MESSAGE });
    expect((await callHook(plugin, 'hook_queue', normal)).rc).toBeUndefined();
  });

  it('outbound hold: data_post accepts, leaves no recipient to deliver to, and the queue discards', async () => {
    await setup(
      (req, body, res) => json(res, 200, verdict({ 'x@remote.example': 'hold' }, { direction: 'outbound' })),
      { main: { direction: 'outbound' } },
    );
    const connection = await makeTransaction({
      message: MESSAGE,
      rcptTo: ['x@remote.example'],
      relaying: true,
      authUser: 'alice',
    });
    const { rc } = await callHook(plugin, 'hook_data_post', connection);
    expect(rc).toBeUndefined();
    expect(connection.transaction.rcpt_to).toEqual([]);
    const q = await callHook(plugin, 'hook_queue_outbound', connection);
    expect(q.rc).toBe(constants.ok);
    expect(q.msg).toMatch(/held for review \(ref 01JD/);
  });

  it('removes the release ticket header before anything is delivered', async () => {
    await setup((req, body, res) => json(res, 200, verdict({ 'bob@example.net': 'accept' })));
    const connection = await makeTransaction({ message: `X-Spamfilter-Release: tok\r\n${MESSAGE}` });
    expect(connection.transaction.header.get('X-Spamfilter-Release')).not.toBe('');
    await callHook(plugin, 'hook_data_post', connection);
    expect(connection.transaction.header.get('X-Spamfilter-Release')).toBe('');
  });
});

describe('pre-DATA hooks', () => {
  const recipientAnswer = (action, code, enhanced, message) => (req, body, res) =>
    json(res, 200, { action, smtp: { code, enhanced, message }, reason: 'test' });

  it('rcpt_ok: a user block list refuses that recipient with 550 5.7.1', async () => {
    await setup(recipientAnswer('reject', 550, '5.7.1', 'Sender blocked by recipient (ref R1)'));
    const connection = await makeTransaction({ message: MESSAGE });
    const rcpt = connection.transaction.rcpt_to[0];
    const { rc, msg } = await callHook(plugin, 'hook_rcpt_ok', connection, [rcpt]);
    expect(rc).toBe(constants.deny);
    expect(reply(msg)).toEqual({ code: 550, text: '5.7.1 Sender blocked by recipient (ref R1)' });
    expect(filter.requests[0].url).toBe('/v1/recipient');
    expect(filter.requests[0].headers['x-rcpt-to']).toBe('bob@example.net');
  });

  const hostedAnswer = (extra) => (req, body, res) =>
    json(res, 200, {
      action: 'accept',
      smtp: { code: 250, enhanced: '2.0.0', message: 'OK' },
      reason: 'no list entry',
      ...extra,
    });

  it('rcpt: a hosted domain (the filter says so) is accepted by this hook, and rcpt_ok does not ask again', async () => {
    await setup(hostedAnswer({ hosted: true, mailbox: 'known' }));
    const connection = await makeTransaction({ message: MESSAGE });
    const rcpt = connection.transaction.rcpt_to[0];
    const { rc } = await callHook(plugin, 'hook_rcpt', connection, [[rcpt]]);
    expect(rc).toBe(constants.ok);
    expect(filter.requests[0].headers['x-rcpt-to']).toBe('bob@example.net');
    expect((await callHook(plugin, 'hook_rcpt_ok', connection, [rcpt])).rc).toBeUndefined();
    expect(filter.requests).toHaveLength(1);
  });

  it('rcpt: a domain the filter does not host is refused as relaying; an unknown mailbox with 550 5.1.1', async () => {
    await setup((req, body, res) =>
      json(res, 200, {
        action: 'accept',
        smtp: { code: 250, enhanced: '2.0.0', message: 'OK' },
        reason: 'no list entry',
        hosted: false,
        mailbox: null,
        hosting: {
          smtp: {
            code: 550,
            enhanced: '5.7.1',
            message: 'Relaying denied: gone.example is not served here (ref R3)',
          },
          reason: 'relaying denied',
        },
      }),
    );
    let connection = await makeTransaction({ message: MESSAGE, rcptTo: ['x@gone.example'] });
    let out = await callHook(plugin, 'hook_rcpt', connection, [[connection.transaction.rcpt_to[0]]]);
    expect(out.rc).toBe(constants.deny);
    expect(reply(out.msg)).toEqual({
      code: 550,
      text: '5.7.1 Relaying denied: gone.example is not served here (ref R3)',
    });
    // a domain in config/host_list (the quick start's) is left to rcpt_to.in_host_list
    plugin.config.get = (name, type) => (name === 'host_list' && type === 'list' ? ['Gone.example'] : []);
    connection = await makeTransaction({ message: MESSAGE, rcptTo: ['x@gone.example'] });
    expect(
      (await callHook(plugin, 'hook_rcpt', connection, [[connection.transaction.rcpt_to[0]]])).rc,
    ).toBeUndefined();

    await setup((req, body, res) =>
      json(res, 200, {
        action: 'accept',
        smtp: { code: 250, enhanced: '2.0.0', message: 'OK' },
        reason: 'no list entry',
        hosted: true,
        mailbox: 'unknown',
        hosting: {
          smtp: { code: 550, enhanced: '5.1.1', message: 'No such user here (ref R4)' },
          reason: 'no such user',
        },
      }),
    );
    connection = await makeTransaction({ message: MESSAGE, rcptTo: ['nobody@example.net'] });
    out = await callHook(plugin, 'hook_rcpt', connection, [[connection.transaction.rcpt_to[0]]]);
    expect(out.rc).toBe(constants.deny);
    expect(reply(out.msg)).toEqual({ code: 550, text: '5.1.1 No such user here (ref R4)' });
  });

  it('rcpt: when the filter cannot tell (no database, down), host_list decides (the hook passes on)', async () => {
    await setup(hostedAnswer({ hosted: null }));
    let connection = await makeTransaction({ message: MESSAGE });
    expect(
      (await callHook(plugin, 'hook_rcpt', connection, [[connection.transaction.rcpt_to[0]]])).rc,
    ).toBeUndefined();
    await setup(() => {}, { main: { check_deadline_ms: '100' } });
    connection = await makeTransaction({ message: MESSAGE });
    const down = await callHook(plugin, 'hook_rcpt', connection, [[connection.transaction.rcpt_to[0]]], 100);
    expect(down.rc).toBeUndefined();
    expect(down.calls).toHaveLength(1);
    // hosted_domains=false: the hook does not ask at all
    await setup(hostedAnswer({ hosted: true }), { checks: { hosted_domains: 'false' } });
    connection = await makeTransaction({ message: MESSAGE });
    expect(
      (await callHook(plugin, 'hook_rcpt', connection, [[connection.transaction.rcpt_to[0]]])).rc,
    ).toBeUndefined();
    expect(filter.requests).toHaveLength(0);
  });

  it('rcpt_ok: greylist answers 451 4.7.1 for that recipient', async () => {
    await setup(recipientAnswer('greylist', 451, '4.7.1', 'Greylisted'));
    const connection = await makeTransaction({ message: MESSAGE });
    const { rc, msg } = await callHook(plugin, 'hook_rcpt_ok', connection, [
      connection.transaction.rcpt_to[0],
    ]);
    expect(rc).toBe(constants.denysoft);
    expect(reply(msg).code).toBe(451);
  });

  it('rcpt_ok: a filter that is down never refuses a recipient', async () => {
    await setup(() => {}, { main: { check_deadline_ms: '100' } });
    const connection = await makeTransaction({ message: MESSAGE });
    const { rc, calls } = await callHook(
      plugin,
      'hook_rcpt_ok',
      connection,
      [connection.transaction.rcpt_to[0]],
      100,
    );
    expect(calls).toHaveLength(1);
    expect(rc).toBeUndefined();
  });

  it('connect: a block-listed IP gets 554 and is disconnected', async () => {
    await setup(recipientAnswer('reject', 550, '5.7.1', 'Client IP is block-listed (ref R2)'), {
      checks: { connect: 'true' },
    });
    const connection = await makeTransaction({ message: MESSAGE });
    const { rc, msg } = await callHook(plugin, 'hook_connect', connection);
    expect(rc).toBe(constants.denydisconnect);
    expect(reply(msg)).toEqual({ code: 554, text: '5.7.1 Client IP is block-listed (ref R2)' });
    expect(filter.requests[0].headers['x-rcpt-to']).toBeUndefined();
  });

  it('connect: checks.connect=false (the default) asks nothing', async () => {
    await setup(recipientAnswer('reject', 550, '5.7.1', 'x'));
    const connection = await makeTransaction({ message: MESSAGE });
    const { rc } = await callHook(plugin, 'hook_connect', connection);
    expect(rc).toBeUndefined();
    expect(filter.requests).toHaveLength(0);
  });

  it('mail: outbound without AUTH is refused with 530 5.7.0; with AUTH it passes', async () => {
    await setup(() => {}, { main: { direction: 'outbound' } });
    const anonymous = await makeTransaction({ message: MESSAGE });
    const refused = await callHook(plugin, 'hook_mail', anonymous);
    expect(refused.rc).toBe(constants.deny);
    expect(reply(refused.msg)).toEqual({ code: 530, text: '5.7.0 Authentication required' });
    const authed = await makeTransaction({ message: MESSAGE, relaying: true, authUser: 'alice' });
    expect((await callHook(plugin, 'hook_mail', authed)).rc).toBeUndefined();
  });
});

/** Closes the current plugin client and fake filter before a test starts another pair. */
async function teardown() {
  if (plugin && plugin.client) plugin.client.close();
  if (filter) await filter.close();
  filter = plugin = undefined;
}

describe('outbound: IP pool routing tag', () => {
  const poolVerdict = (pool) =>
    verdict({ 'bob@example.net': 'accept' }, { score: 4, headers: [['X-Spam-Outbound-Pool', pool]] });

  it('data_post (outbound) takes the pool from the verdict into the transaction notes', async () => {
    await setup((req, body, res) => json(res, 200, poolVerdict('risky')), {
      main: { direction: 'outbound' },
      pools: { risky: '127.0.0.1:2527' },
    });
    const connection = await makeTransaction({
      message: MESSAGE,
      relaying: true,
      authUser: 'alice@sender.example',
    });
    const { rc } = await callHook(plugin, 'hook_data_post', connection);
    expect(rc).toBeUndefined();
    expect(connection.transaction.notes.spamfilter_pool).toBe('risky');
    expect(headersOf(connection, 'X-Spam-Outbound-Pool')).toEqual(['risky']);
  });

  it('inbound ignores the routing header; a sender’s forged one never becomes a route', async () => {
    await setup((req, body, res) => json(res, 200, verdict({ 'bob@example.net': 'accept' })), {
      main: { direction: 'outbound' },
    });
    const forged = MESSAGE.replace('\r\n\r\n', '\r\nX-Spam-Outbound-Pool: main\r\n\r\n');
    const connection = await makeTransaction({
      message: forged,
      relaying: true,
      authUser: 'alice@sender.example',
    });
    await callHook(plugin, 'hook_data_post', connection);
    expect(connection.transaction.notes.spamfilter_pool).toBeUndefined();
    expect(headersOf(connection, 'X-Spam-Outbound-Pool')).toEqual([]);

    await teardown();
    await setup((req, body, res) => json(res, 200, poolVerdict('risky')), { main: { direction: 'inbound' } });
    const inbound = await makeTransaction({ message: MESSAGE });
    await callHook(plugin, 'hook_data_post', inbound);
    expect(inbound.transaction.notes.spamfilter_pool).toBeUndefined();
  });

  it('queue_outbound: untagged and unconfigured pools are forwarded to the main next hop by the plugin; unconfigured is recorded', async () => {
    await setup(() => undefined, { main: { direction: 'outbound' }, pools: { risky: '127.0.0.1:2527' } });
    const routes = [];
    plugin.forward_to_pool = (done, _connection, route) => {
      routes.push(route);
      done(constants.ok, 'forwarded');
    };
    const untagged = await makeTransaction({ message: MESSAGE, relaying: true });
    expect((await callHook(plugin, 'hook_queue_outbound', untagged)).rc).toBe(constants.ok);
    const bulk = await makeTransaction({ message: MESSAGE, relaying: true });
    bulk.transaction.notes.spamfilter_pool = 'bulk';
    expect((await callHook(plugin, 'hook_queue_outbound', bulk)).rc).toBe(constants.ok);
    expect(JSON.stringify(bulk.transaction.results.get('spamfilter'))).toMatch(/pool bulk unconfigured/);
    const risky = await makeTransaction({ message: MESSAGE, relaying: true });
    risky.transaction.notes.spamfilter_pool = 'risky';
    await callHook(plugin, 'hook_queue_outbound', risky);
    expect(routes.map((r) => [r.pool, r.port])).toEqual([
      ['main', 25],
      ['main', 25],
      ['risky', 2527],
    ]);
  });

  it('queue_outbound: held mail is discarded before any routing, pool or not', async () => {
    await setup(() => undefined, { main: { direction: 'outbound' }, pools: { risky: '127.0.0.1:2527' } });
    const connection = await makeTransaction({ message: MESSAGE, relaying: true });
    connection.transaction.notes.spamfilter_discard = 'Message accepted and held for review (ref R1)';
    connection.transaction.notes.spamfilter_pool = 'risky';
    const { rc, calls } = await callHook(plugin, 'hook_queue_outbound', connection);
    expect(calls).toHaveLength(1);
    expect(rc).toBe(constants.ok);
  });
});

describe('outbound: delivery reports', () => {
  const setupOutbound = (handler, outbound = {}) =>
    setup(handler, { main: { direction: 'outbound' }, outbound });

  it('deny counts only permanent RCPT refusals', async () => {
    await setupOutbound(() => undefined);
    const connection = await makeTransaction({ message: MESSAGE, relaying: true });
    const deny = (retval, hook) =>
      callHook(plugin, 'hook_deny', connection, [[retval, 'no', 'p', 'f', [], hook]], 0);
    await deny(constants.deny, 'rcpt');
    await deny(constants.deny, 'rcpt_ok');
    await deny(constants.denysoft, 'rcpt');
    await deny(constants.deny, 'mail');
    await deny(constants.deny, 'data_post');
    expect(connection.transaction.notes.spamfilter_rcpt_refused).toBe(2);
  });

  it('reset_transaction answers at once and sends one report with the results, even when the filter hangs', async () => {
    await setupOutbound(() => undefined, { report_deadline_ms: '200' }); // never answers
    const connection = await makeTransaction({
      message: MESSAGE,
      relaying: true,
      authUser: 'alice@sender.example',
      rcptTo: ['a@remote.example', 'b@remote.example'],
    });
    connection.transaction.notes.spamfilter_rcpt_refused = 3;
    connection.transaction.notes.spamfilter = { reference: REF };
    const at = '2026-11-22T10:00:00.000Z';
    connection.transaction.notes.spamfilter_deliveries = [
      {
        recipient: 'a@remote.example',
        status: 'delivered',
        code: 250,
        enhanced: '2.0.0',
        text: '2.0.0 Ok: queued as X',
        at,
      },
      {
        recipient: 'b@remote.example',
        status: 'delivered',
        code: 250,
        enhanced: '2.0.0',
        text: '2.0.0 Ok: queued as X',
        at,
      },
    ];
    // At once means before the hook returns, while the report is still in flight: no clock needed.
    const calls = [];
    plugin.hook_reset_transaction((rc, msg) => calls.push({ rc, msg }), connection);
    expect(calls).toEqual([{ rc: undefined, msg: undefined }]);
    expect(plugin.client.inFlight).toBe(1);
    // The one report reaches the filter; then its deadline cuts the hanging request, and nothing else was sent.
    await waitFor(() => filter.requests.length > 0);
    await waitFor(() => plugin.client.inFlight === 0 && filter.openSockets() === 0);
    expect(filter.requests).toHaveLength(1);
    expect(filter.requests[0].url).toBe('/v1/outbound/deliveries');
    expect(filter.requests[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(filter.requests[0].body.toString())).toEqual({
      authUser: 'alice@sender.example',
      mailFrom: 'alice@sender.example',
      reference: REF,
      queueId: connection.transaction.uuid,
      rcptRefused: 3,
      recipients: connection.transaction.notes.spamfilter_deliveries,
    });
    // The hanging request was cut at its deadline (waited for above): no socket left open.
    expect(filter.openSockets()).toBe(0);
  });

  it('sends nothing inbound, with report_deliveries=false, or when nothing reached a next hop or was refused', async () => {
    await setup(() => undefined, { main: { direction: 'inbound' } });
    const inbound = await makeTransaction({ message: MESSAGE });
    inbound.transaction.notes.spamfilter_deliveries = [
      {
        recipient: 'bob@example.net',
        status: 'delivered',
        code: 250,
        enhanced: null,
        text: 'ok',
        at: '2026-11-22T10:00:00.000Z',
      },
    ];
    await callHook(plugin, 'hook_reset_transaction', inbound, [], 0);
    // A report starts inside the hook (fire-and-forget) or not at all: none is in flight, none arrived.
    expect(plugin.client.inFlight).toBe(0);
    expect(filter.requests).toHaveLength(0);

    await teardown();
    await setupOutbound(() => undefined, { report_deliveries: 'false' });
    const off = await makeTransaction({ message: MESSAGE, relaying: true, authUser: 'alice@sender.example' });
    off.transaction.notes.spamfilter_deliveries = inbound.transaction.notes.spamfilter_deliveries;
    await callHook(plugin, 'hook_reset_transaction', off, [], 0);
    expect(plugin.client.inFlight).toBe(0);
    expect(filter.requests).toHaveLength(0);

    await teardown();
    await setupOutbound(() => undefined);
    // Held or refused after DATA: it reached no next hop and nobody was refused at RCPT.
    const held = await makeTransaction({
      message: MESSAGE,
      relaying: true,
      authUser: 'alice@sender.example',
    });
    held.transaction.notes.spamfilter_discard = 'held';
    await callHook(plugin, 'hook_reset_transaction', held, [], 0);
    expect(plugin.client.inFlight).toBe(0);
    expect(filter.requests).toHaveLength(0);
  });
});
