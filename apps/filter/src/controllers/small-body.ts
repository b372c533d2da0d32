import type { IncomingMessage } from 'node:http';

/**
 * The body of a small request as text, or null when it is larger than `maxBytes` or the request fails. The filter
 * runs without Nest's body parser (the scan route streams its body), so the routes with a small JSON body read it
 * with this.
 */
export function readSmallBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) chunks.push(c);
    });
    req.on('end', () => resolve(size > maxBytes ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}
