import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { ZodTypeAny } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';

/**
 * OpenAPI from the zod schemas the routes validate with (zod-to-json-schema, OpenAPI 3.0 dialect): the reference at
 * /openapi.json cannot drift from what a route accepts and answers, and no DTO class repeats a schema by hand.
 * Request schemas are described as input (defaults shown, optional where a default applies).
 */
export function openApiSchema(schema: ZodTypeAny): SchemaObject {
  // Inline every schema ($refStrategy none): each operation reads on its own in the UI, and zod schemas reused
  // across routes would otherwise become #/definitions links that OpenAPI 3 does not resolve.
  // (Typed loosely: the library's generic over every zod schema type exceeds the compiler's instantiation depth.)
  const convert = zodToJsonSchema as (s: unknown, o: Record<string, unknown>) => SchemaObject & { $schema?: string };
  const json = convert(schema, { target: 'openApi3', $refStrategy: 'none', effectStrategy: 'input' });
  delete json.$schema;
  return json;
}

export interface ZodOperation {
  readonly summary: string;
  readonly description?: string;
  /** The request body's schema (the route's ZodPipe schema). */
  readonly body?: ZodTypeAny;
  /** A body that is a message itself (these content types), not JSON: described as binary. */
  readonly rawBody?: readonly string[];
  /** The query's schema (an object: each property becomes a query parameter). */
  readonly query?: ZodTypeAny;
  /** The success response's schema; omitted for 204. */
  readonly response?: ZodTypeAny;
  /** Success status: 200 by default (201 for creations, 204 without a body). */
  readonly status?: 200 | 201 | 202 | 204;
  readonly responseDescription?: string;
}

/** ApiOperation + body, query parameters and the success response, each from its zod schema. */
export function ApiZodOperation(op: ZodOperation): MethodDecorator {
  const decorators: MethodDecorator[] = [ApiOperation({ summary: op.summary, ...(op.description ? { description: op.description } : {}) })];
  if (op.body) decorators.push(ApiBody({ schema: openApiSchema(op.body) }));
  if (op.rawBody) {
    decorators.push(ApiConsumes(...op.rawBody));
    decorators.push(ApiBody({ schema: { type: 'string', format: 'binary', description: 'the message as received (RFC 5322)' } }));
  }
  if (op.query) {
    const q = openApiSchema(op.query);
    const required = new Set(q.required ?? []);
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const s = schema as SchemaObject;
      decorators.push(ApiQuery({ name, required: required.has(name), schema: s, ...(s.description ? { description: s.description } : {}) }));
    }
  }
  const status = op.status ?? 200;
  if (status === 204 || !op.response) {
    decorators.push(ApiResponse({ status, description: op.responseDescription ?? 'Done; no content' }));
  } else {
    decorators.push(ApiResponse({ status, description: op.responseDescription ?? (status === 201 ? 'Created' : 'OK'), schema: openApiSchema(op.response) }));
  }
  return applyDecorators(...decorators);
}
