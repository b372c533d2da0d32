import { z } from 'zod';
import { openApiSchema } from './zod-openapi';

describe('openApiSchema (zod 4 z.toJSONSchema, OpenAPI 3.0)', () => {
  const body = z
    .object({
      at: z.iso.datetime({ offset: true }),
      id: z.guid(),
      code: z.string().regex(/^[A-Z]{2}$/),
      limit: z.number().int().min(1).default(50),
      note: z.string().nullable(),
      caps: z.partialRecord(z.enum(['auth', 'content']), z.object({ max: z.number() })),
      header: z.tuple([z.string(), z.string()]),
    })
    .strict();

  it('describes a request as input: a field with a default is optional and shows it', () => {
    const s = openApiSchema(body);
    expect(s.required).toEqual(['at', 'id', 'code', 'note', 'caps', 'header']);
    expect(s.properties?.limit).toEqual({ default: 50, type: 'integer', minimum: 1 });
    expect(s.additionalProperties).toBe(false);
    expect(s).not.toHaveProperty('$schema');
  });

  it('describes a response as output: a field with a default is always sent', () => {
    expect(openApiSchema(body, 'output').required).toContain('limit');
  });

  it('writes OpenAPI 3.0: nullable, one items schema for a tuple, formats without zod regexes, no safe-integer bounds', () => {
    const p = openApiSchema(body).properties!;
    expect(p.note).toEqual({ type: 'string', nullable: true });
    expect(p.header).toMatchObject({
      type: 'array',
      minItems: 2,
      maxItems: 2,
      items: { anyOf: [{ type: 'string' }, { type: 'string' }] },
    });
    expect(p.at).toEqual({ type: 'string', format: 'date-time' });
    expect(p.id).toEqual({ type: 'string', format: 'uuid' });
    expect(p.code).toEqual({ type: 'string', pattern: '^[A-Z]{2}$' });
  });

  it('names the keys of a record over an enum, none required for a partial record', () => {
    expect(openApiSchema(body).properties!.caps).toEqual({
      type: 'object',
      properties: {
        auth: expect.objectContaining({ type: 'object' }),
        content: expect.objectContaining({ type: 'object' }),
      },
      additionalProperties: false,
    });
  });
});
