import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`message body exceeds the limit of ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export class BodyAbortedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'BodyAbortedError';
  }
}

/**
 * Reads a (possibly chunked) request body into one Buffer, refusing it as soon as it passes `limit` — early on a
 * Content-Length above the limit, else while streaming — and failing (not hanging) when the client goes away or
 * stalls past `idleMs`.
 */
export function readBody(req: IncomingMessage, limit: number, idleMs: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) {
        // Stop reading; the caller answers and closes the connection.
        req.resume();
        reject(err);
      } else {
        resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
      }
    };
    let idle = setTimeout(() => finish(new BodyAbortedError(`no body data for ${idleMs} ms`)), idleMs);
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) return finish(new BodyTooLargeError(limit));
      chunks.push(c);
      clearTimeout(idle);
      idle = setTimeout(() => finish(new BodyAbortedError(`no body data for ${idleMs} ms`)), idleMs);
    };
    const onEnd = (): void => finish(null);
    const onError = (e: Error): void => finish(new BodyAbortedError(e.message));
    const onAborted = (): void => finish(new BodyAbortedError('client aborted the request'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
