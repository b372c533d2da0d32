import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@spamfilter/config';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/bootstrap';

interface Operation {
  summary?: string;
  description?: string;
  requestBody?: { content: Record<string, { schema?: Record<string, unknown> }> };
  responses?: Record<
    string,
    { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }
  >;
}

/**
 * The API reference at /openapi.json is complete: every operation has a summary, a request schema where it takes a
 * body, and a success response with a schema (or 204) — generated from the zod schemas the routes validate with.
 * A route added without them fails here.
 */
describe('OpenAPI document (/openapi.json)', () => {
  let app: INestApplication;
  let doc: { paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    app = await createApiApp(
      loadConfig({
        DB_TYPE: 'sqlite',
        DB_SQLITE_PATH: ':memory:',
        LEARNER_ENABLED: 'false',
        OUTBOX_RELAY_ENABLED: 'false',
      }),
      { logger: false },
    );
    doc = (
      await request(app.getHttpServer() as never)
        .get('/openapi.json')
        .expect(200)
    ).body as typeof doc;
  });

  afterAll(async () => {
    await app?.close();
  });

  const operations = (): [string, Operation][] =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
    );

  it('documents every operation with a summary, its request body and its success response', () => {
    const problems: string[] = [];
    for (const [name, op] of operations()) {
      if (!op.summary?.trim()) problems.push(`${name}: no summary`);
      const method = name.split(' ')[0]!;
      if (['POST', 'PUT', 'PATCH'].includes(method)) {
        const bodies = Object.values(op.requestBody?.content ?? {});
        if (bodies.length === 0 || bodies.some((b) => !b.schema))
          problems.push(`${name}: no request body schema`);
      }
      const success = Object.entries(op.responses ?? {}).filter(([code]) => code.startsWith('2'));
      if (success.length === 0) problems.push(`${name}: no success response`);
      for (const [code, r] of success) {
        if (!r.description) problems.push(`${name} ${code}: no description`);
        if (code !== '204' && !r.content?.['application/json']?.schema)
          problems.push(`${name} ${code}: no response schema`);
      }
    }
    expect(problems).toEqual([]);
    expect(operations().length).toBeGreaterThanOrEqual(45);
  });

  it('spells out the shapes that had to be guessed: AUP conditions, list entries, policies, the unblock reason', () => {
    const op = (name: string): Operation => {
      const found = operations().find(([n]) => n === name);
      if (!found) throw new Error(`no operation ${name}`);
      return found[1];
    };
    const body = (name: string): Record<string, unknown> =>
      op(name).requestBody!.content['application/json']!.schema!;
    const aup = JSON.stringify(body('POST /v1/operator/aup-rules'));
    for (const piece of ['"conditions"', '"recipientCount"', '"regex"', '"gte"', '"attachmentName"'])
      expect(aup).toContain(piece);
    expect(body('POST /v1/lists')).toMatchObject({
      required: expect.arrayContaining(['kind', 'matchType', 'value']),
    });
    expect(JSON.stringify(body('PUT /v1/policies'))).toContain('"thresholds"');
    expect(body('POST /v1/operator/outbound/accounts/{address}/unblock')).toMatchObject({
      required: ['reason'],
      properties: { reason: { minLength: 3 } },
    });
    const list = op('GET /v1/lists').responses!['200']!.content!['application/json']!.schema!;
    expect(JSON.stringify(list)).toContain('"learned"');
  });
});
