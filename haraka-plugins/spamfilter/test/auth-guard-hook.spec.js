'use strict';
// The AUTH guard's hooks under haraka-test-fixtures, against a fake filter on 127.0.0.1:0 that answers, refuses,
// hangs, drops or sends garbage. The auth plugin's part is played by hand: results.add({ name: 'auth' }, …) is
// what auth_base records when it checks a password.
const fixtures = require('haraka-test-fixtures');
const constants = require('haraka-constants');
const { makePlugin, configure, callHook, startFakeFilter, json } = require('./helpers');

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const plainLine = (user, pass) => ['AUTH', `PLAIN ${b64(`\0${user}\0${pass}`)}`];

let filter;
let plugin;
afterEach(async () => {
  if (plugin && plugin.client) plugin.client.close();
  if (filter) await filter.close();
  filter = plugin = undefined;
});

async function setup(handler, authGuard = {}) {
  filter = await startFakeFilter(handler);
  plugin = configure(makePlugin(), {
    main: { url: filter.url, direction: 'outbound' },
    auth_guard: { deadline_ms: '300', ...authGuard },
  });
  return plugin;
}

function authConnection(ip = '192.0.2.44') {
  const connection = fixtures.makeConnection({ ip, silent: true });
  connection.notes.allowed_auth_methods = ['PLAIN', 'LOGIN'];
  connection.responses = [];
  connection.respond = (code, msg, func) => {
    connection.responses.push({ code, msg });
    if (func) func();
  };
  return connection;
}

const requestsTo = (path) =>
  filter.requests.filter((r) => r.url === path).map((r) => JSON.parse(r.body.toString()));
const until = async (cond, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
};
/** A filter that allows every AUTH and records the results. */
const allowAll = (req, body, res) =>
  json(
    res,
    200,
    req.url === '/v1/auth/check' ? { allow: true } : { failures: { ip: 1, account: 1 }, lockedNow: [] },
  );

describe('register', () => {
  it('puts the guard ahead of the auth plugins on unrecognized_command, whatever the list order', () => {
    plugin = makePlugin();
    expect(plugin.hooks.unrecognized_command).toEqual(['auth_guard']);
    expect(plugin.settings.authGuard).toEqual({ enabled: true, replyCode: 454, deadlineMs: 1000 });
  });
});

describe('auth_guard (unrecognized_command, before auth_base)', () => {
  it('asks the filter with the client IP and the AUTH user, then hands the line on to the auth plugin', async () => {
    await setup(allowAll);
    const connection = authConnection();
    const { rc, calls } = await callHook(plugin, 'auth_guard', connection, [
      plainLine('alice@example.net', 'wrong'),
    ]);
    expect(calls).toHaveLength(1);
    expect(rc).toBeUndefined();
    expect(requestsTo('/v1/auth/check')).toEqual([{ ip: '192.0.2.44', account: 'alice@example.net' }]);
    expect(connection.responses).toEqual([]);
  });

  it('reports a failure as soon as the auth plugin records it, long before its delayed 535', async () => {
    await setup(allowAll);
    const connection = authConnection();
    await callHook(plugin, 'auth_guard', connection, [plainLine('alice@example.net', 'wrong')]);
    connection.results.add({ name: 'auth' }, { fail: 'flat_file/PLAIN' }); // auth_base's passwd_ok(false)
    await until(() => requestsTo('/v1/auth/result').length === 1);
    expect(requestsTo('/v1/auth/result')).toEqual([
      { ip: '192.0.2.44', account: 'alice@example.net', success: false },
    ]);
    // Once: a later disconnect has nothing left to report. A report starts inside the hook or not at all, so with the
    // first one answered, nothing in flight after the hook is the proof (no pause for a request that may come).
    await until(() => plugin.client.inFlight === 0);
    await callHook(plugin, 'hook_disconnect', connection);
    expect(plugin.client.inFlight).toBe(0);
    expect(requestsTo('/v1/auth/result')).toHaveLength(1);
  });

  it('reports each attempt of a connection once: a success recorded just before disconnect, at disconnect', async () => {
    await setup(allowAll);
    const connection = authConnection();
    await callHook(plugin, 'auth_guard', connection, [plainLine('bob@example.net', 'wrong')]);
    connection.results.add({ name: 'auth' }, { fail: 'flat_file/PLAIN' });
    await until(() => requestsTo('/v1/auth/result').length === 1);
    await callHook(plugin, 'auth_guard', connection, [plainLine('bob@example.net', 'right')], 0);
    connection.results.add({ name: 'auth' }, { pass: 'flat_file', method: 'PLAIN', user: 'bob@example.net' });
    await callHook(plugin, 'hook_disconnect', connection, [], 0); // before the watch looks again
    await until(() => requestsTo('/v1/auth/result').length === 2 && plugin.client.inFlight === 0);
    // The watch's next look (its 100 ms timer, armed before this one, so it has run by then however loaded the
    // machine) finds nothing left: it would have started a report, and none is in flight.
    await new Promise((r) => setTimeout(r, 150));
    expect(plugin.client.inFlight).toBe(0);
    expect(requestsTo('/v1/auth/result')).toEqual([
      { ip: '192.0.2.44', account: 'bob@example.net', success: false },
      { ip: '192.0.2.44', account: 'bob@example.net', success: true },
    ]);
  });

  it('answers 454 4.7.0 during a lockout without handing the password on, and ends the exchange', async () => {
    await setup((req, body, res) => json(res, 200, { allow: false, reason: 'ip', retryAfterSeconds: 840 }));
    const connection = authConnection();
    Object.assign(connection.notes, {
      authenticating: true,
      auth_method: 'LOGIN',
      auth_login_asked_login: true,
      auth_login_userlogin: 'carol@example.net',
    });
    const { rc, calls } = await callHook(plugin, 'auth_guard', connection, [[b64('guess'), '']]);
    expect(calls).toHaveLength(1);
    expect(rc).toBe(constants.ok); // answered here: auth_base never sees the line
    expect(connection.responses).toEqual([
      { code: 454, msg: '4.7.0 Too many failed authentication attempts, try again in 14 minutes' },
    ]);
    expect(requestsTo('/v1/auth/check')).toEqual([{ ip: '192.0.2.44', account: 'carol@example.net' }]);
    expect(connection.notes).toMatchObject({
      authenticating: false,
      auth_login_userlogin: null,
      auth_login_asked_login: false,
    });
    expect(connection.notes.spamfilter_auth).toBeUndefined(); // nothing was checked, nothing to report
  });

  it('reply_code=421: 421 4.7.0 and disconnect (through Haraka’s DENYSOFTDISCONNECT)', async () => {
    await setup(
      (req, body, res) => json(res, 200, { allow: false, reason: 'account', retryAfterSeconds: 30 }),
      { reply_code: '421' },
    );
    const connection = authConnection();
    const { rc, msg } = await callHook(plugin, 'auth_guard', connection, [
      plainLine('dave@example.net', 'x'),
    ]);
    expect(rc).toBe(constants.denysoftdisconnect);
    expect(msg).toBe('4.7.0 Too many failed authentication attempts, try again in 30 seconds');
  });

  const failOpen = [
    ['unreachable', null],
    ['answering 503', (req, body, res) => json(res, 503, { error: 'counter store unavailable' })],
    ['answering garbage', (req, body, res) => json(res, 200, 'not json')],
    ['hanging past the deadline', () => undefined],
    ['dropping the connection', (req) => req.socket.destroy()],
  ];
  it.each(failOpen)(
    'with the filter %s the AUTH goes on (availability first) and it is logged',
    async (_name, handler) => {
      if (handler) await setup(handler);
      else {
        await setup(allowAll);
        await filter.close(); // nothing listens on the port any more
      }
      const connection = authConnection();
      const warnings = [];
      connection.logwarn = (_plugin, m) => warnings.push(m);
      const { rc, calls } = await callHook(plugin, 'auth_guard', connection, [
        plainLine('erin@example.net', 'x'),
      ]);
      expect(calls).toHaveLength(1);
      expect(rc).toBeUndefined();
      expect(connection.responses).toEqual([]);
      expect(warnings.join('\n')).toMatch(/auth guard check (failed|skipped) \(AUTH goes on\)/);
      expect(connection.notes.spamfilter_auth).toMatchObject({ user: 'erin@example.net' }); // its outcome is still reported
    },
  );

  it('leaves every other line alone without asking the filter', async () => {
    await setup(allowAll);
    const connection = authConnection();
    for (const params of [
      ['XFOO', 'bar'],
      ['AUTH', 'LOGIN'],
      ['AUTH', 'PLAIN'],
    ]) {
      const { rc } = await callHook(plugin, 'auth_guard', connection, [params]);
      expect(rc).toBeUndefined();
    }
    const noAuthOffered = fixtures.makeConnection({ ip: '192.0.2.1', silent: true });
    await callHook(plugin, 'auth_guard', noAuthOffered, [plainLine('a', 'b')]);
    expect(filter.requests).toEqual([]);
  });

  it('[auth_guard] enabled=false: never asks', async () => {
    await setup(allowAll, { enabled: 'false' });
    const { rc } = await callHook(plugin, 'auth_guard', authConnection(), [plainLine('a@example.net', 'b')]);
    expect(rc).toBeUndefined();
    expect(filter.requests).toEqual([]);
  });
});
