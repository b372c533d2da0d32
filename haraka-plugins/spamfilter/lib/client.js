'use strict';
// The one HTTP client of the plugin. Every request has a deadline; on any failure the body stream is detached first
// (message-stream asks for that before the destination is destroyed) and the socket is destroyed, so a failed
// request never returns a half-used socket to the keep-alive pool and never leaks one.

const http = require('node:http');
const https = require('node:https');

const MAX_ANSWER_BYTES = 1024 * 1024;

class FilterError extends Error {
  /** @param {'timeout'|'network'|'too-large'|'incomplete'} kind */
  constructor(kind, message) {
    super(message);
    this.name = 'FilterError';
    this.kind = kind;
  }
}

class FilterClient {
  /** @param {{url: string, maxSockets: number, keepalive: boolean, token?: string}} settings */
  constructor(settings) {
    this.base = new URL(settings.url);
    // FILTER_API_TOKEN: the filter refuses every route but /health and /metrics without it (when it has one).
    this.auth = settings.token ? { authorization: `Bearer ${settings.token}` } : {};
    this.transport = this.base.protocol === 'https:' ? https : http;
    this.agent = new this.transport.Agent({
      keepAlive: settings.keepalive,
      maxSockets: settings.maxSockets,
      maxFreeSockets: Math.min(settings.maxSockets, 32),
      scheduling: 'lifo',
    });
    this.inFlight = 0;
  }

  /**
   * POST path with the given headers. writeBody(req) starts the body and returns a function that detaches it; without
   * writeBody the request has no body.
   * @returns {Promise<{status: number, body: string}>} rejects with a FilterError
   */
  post(path, headers, deadlineMs, writeBody) {
    return new Promise((resolve, reject) => {
      let settled = false;
      let detachBody = null;
      let req = null;
      this.inFlight++;
      const finish = (err, value) => {
        if (settled) return;
        settled = true;
        this.inFlight--;
        clearTimeout(timer);
        if (err) {
          if (detachBody) detachBody();
          if (req) req.destroy();
          reject(err);
        } else {
          resolve(value);
        }
      };
      const timer = setTimeout(
        () => finish(new FilterError('timeout', `no answer within ${deadlineMs} ms`)),
        deadlineMs,
      );
      try {
        req = this.transport.request({
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          path: this.base.pathname.replace(/\/$/, '') + path,
          method: 'POST',
          agent: this.agent,
          headers: writeBody
            ? { 'content-type': 'message/rfc822', ...headers, ...this.auth }
            : { ...headers, 'content-length': '0', ...this.auth },
        });
      } catch (err) {
        finish(new FilterError('network', `cannot build request: ${err.message}`));
        return;
      }
      req.on('error', (err) => finish(new FilterError('network', err.message)));
      req.on('response', (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (chunk) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            res.destroy();
            finish(new FilterError('too-large', `answer larger than ${MAX_ANSWER_BYTES} bytes`));
          } else {
            chunks.push(chunk);
          }
        });
        res.on('end', () =>
          finish(null, { status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (err) => finish(new FilterError('network', err.message)));
        res.on('close', () => {
          if (!res.complete)
            finish(new FilterError('incomplete', 'connection closed before the answer was complete'));
        });
      });
      if (writeBody) {
        try {
          detachBody = writeBody(req);
        } catch (err) {
          finish(new FilterError('network', `cannot stream the message: ${err.message}`));
        }
      } else {
        req.end();
      }
    });
  }

  /** Sockets open to the filter (in use + idle in the pool), for leak checks and the status log. */
  openSockets() {
    const count = (pool) => Object.values(pool).reduce((n, list) => n + list.length, 0);
    return count(this.agent.sockets) + count(this.agent.freeSockets);
  }

  close() {
    this.agent.destroy();
  }
}

module.exports = { FilterClient, FilterError, MAX_ANSWER_BYTES };
