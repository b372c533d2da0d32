#!/usr/bin/env node
'use strict';
// A next-hop SMTP sink a person can inspect: every message Haraka forwards is stored byte for byte as
// <dir>/<n>-<time>.eml with its envelope beside it in <n>-<time>.json. Loopback only; for the quick start and tests.
//   node haraka/sink.js [--port 2526] [--dir .var/sink] [--store files|memory|count]
// Also a module: startSink({ port, dir, store }) → { port, dir, messages, received, close() }. store: 'files' (default:
// .eml + .json on disk and the message in `messages`), 'memory' (only `messages`), 'count' (only `received`, for
// benchmarks).

const fs = require('node:fs');
const path = require('node:path');
const { SMTPServer } = require('smtp-server');

function startSink({ port = 0, dir, host = '127.0.0.1', log = false, store = 'files' } = {}) {
  if (store === 'files') {
    if (!dir) throw new Error('startSink needs a dir to store files');
    fs.mkdirSync(dir, { recursive: true });
  }
  const messages = [];
  const stats = { received: 0, bytes: 0 };
  let counter = 0;
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    banner: 'spamfilter sink',
    // No reverse DNS of the client per connection: Haraka opens one per forwarded message, and the lookup dominates.
    disableReverseLookup: true,
    size: 64 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        if (store === 'count') {
          stats.received += session.envelope.rcptTo.length > 0 ? 1 : 0;
          stats.bytes += raw.length;
          return callback(null, 'counted');
        }
        const name = `${String(++counter).padStart(6, '0')}-${Date.now()}`;
        const envelope = {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          size: raw.length,
          file: `${name}.eml`,
        };
        if (store === 'files') {
          try {
            fs.writeFileSync(path.join(dir, `${name}.eml`), raw);
            fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(envelope, null, 2) + '\n');
          } catch {
            return callback(Object.assign(new Error('sink cannot store the message'), { responseCode: 451 }));
          }
        }
        stats.received++;
        stats.bytes += raw.length;
        messages.push({ ...envelope, raw });
        if (log)
          console.log(
            `sink: ${envelope.file} from <${envelope.mailFrom}> to ${envelope.rcptTo.join(', ')} (${raw.length} bytes)`,
          );
        callback(null, `stored as ${name}.eml`);
      });
    },
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve({
        port: server.server.address().port,
        dir,
        messages,
        get received() {
          return stats.received;
        },
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

module.exports = { startSink };

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
  };
  const dir = path.resolve(opt('dir', '.var/sink'));
  const store = opt('store', 'files');
  startSink({ port: Number(opt('port', '2526')), dir, store, log: !process.send }).then(
    (sink) => {
      if (process.send) {
        // Started by a benchmark over IPC: report the port, answer stats requests, stop when the parent goes away.
        process.send({ port: sink.port });
        process.on('message', (m) => {
          if (m && m.cmd === 'stats') process.send({ received: sink.received });
        });
        process.on('disconnect', () => process.exit(0));
      } else {
        console.log(
          `sink: listening on 127.0.0.1:${sink.port}, ${store === 'files' ? `storing messages in ${dir}` : `store=${store}`}`,
        );
      }
    },
    (err) => {
      console.error(`sink: ${err.message}`);
      process.exit(1);
    },
  );
}
