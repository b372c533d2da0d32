import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';

/**
 * OpenAPI from the zod schemas the routes validate with (zod 4's own z.toJSONSchema, OpenAPI 3.0 dialect): the
 * reference at /openapi.json cannot drift from what a route accepts and answers, and no DTO class repeats a schema by
 * hand. Requests are described as input (a field with a default is optional and shows it), responses as output (what
 * the route sends: defaults applied, so those fields are required).
 */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): SchemaObject {
  // Every schema is inlined (reused: 'inline', the default): each operation reads on its own in the UI, and a schema
  // reused across routes would otherwise become a $defs link that OpenAPI 3.0 does not resolve. A transform's output
  // has no JSON Schema; unrepresentable: 'any' documents it as {} instead of throwing at startup.
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    unrepresentable: 'any',
    override: tidy,
  }) as SchemaObject & {
    $schema?: string;
  };
  delete json.$schema;
  return json;
}

type OverrideContext = { readonly zodSchema: unknown; readonly jsonSchema: Record<string, unknown> };
interface ZodDef {
  readonly type: string;
  readonly checks?: readonly { readonly _zod: { readonly def: { readonly format?: string } } }[];
  readonly keyType?: { readonly _zod: { readonly values?: ReadonlySet<unknown> } };
}

/** Keeps the document as it read with zod-to-json-schema, where zod 4's own output only adds noise or loses a name. */
function tidy(ctx: OverrideContext): void {
  const def = (ctx.zodSchema as { _zod: { def: ZodDef } })._zod.def;
  const json = ctx.jsonSchema;
  // zod 4 writes its regex beside `format: date-time` / `format: uuid` (about 400 characters for date-time, on every
  // timestamp); the format says it (RFC 3339 §5.6 date-time, a UUID). A pattern a schema sets itself (.regex) stays.
  if (def.type === 'string' && (json.format === 'date-time' || json.format === 'uuid')) {
    if (!def.checks?.some((c) => c._zod.def.format === 'regex')) delete json.pattern;
  }
  // .int() also writes ±Number.MAX_SAFE_INTEGER: true (zod 4 refuses unsafe integers) but the same on every integer.
  if (json.type === 'integer') {
    if (json.minimum === Number.MIN_SAFE_INTEGER) delete json.minimum;
    if (json.maximum === Number.MAX_SAFE_INTEGER) delete json.maximum;
  }
  // A record over an enum (policy groupCaps) has no propertyNames in OpenAPI 3.0: name its keys as properties, so the
  // reference lists the groups (required only for an exhaustive z.record, which the generator already marks).
  const keys = def.type === 'record' ? def.keyType?._zod.values : undefined;
  if (keys && json.additionalProperties !== undefined) {
    json.properties = Object.fromEntries([...keys].map((k) => [String(k), json.additionalProperties]));
    json.additionalProperties = false;
  }
}

export interface ZodOperation {
  readonly summary: string;
  readonly description?: string;
  /** The request body's schema (the route's ZodPipe schema). */
  readonly body?: z.ZodType;
  /** A body that is a message itself (these content types), not JSON: described as binary. */
  readonly rawBody?: readonly string[];
  /** The query's schema (an object: each property becomes a query parameter). */
  readonly query?: z.ZodType;
  /** The success response's schema; omitted for 204. */
  readonly response?: z.ZodType;
  /** Success status: 200 by default (201 for creations, 204 without a body). */
  readonly status?: 200 | 201 | 202 | 204;
  readonly responseDescription?: string;
}

/** ApiOperation + body, query parameters and the success response, each from its zod schema. */
export function ApiZodOperation(op: ZodOperation): MethodDecorator {
  const decorators: MethodDecorator[] = [
    ApiOperation({ summary: op.summary, ...(op.description ? { description: op.description } : {}) }),
  ];
  if (op.body) decorators.push(ApiBody({ schema: openApiSchema(op.body) }));
  if (op.rawBody) {
    decorators.push(ApiConsumes(...op.rawBody));
    decorators.push(
      ApiBody({
        schema: { type: 'string', format: 'binary', description: 'the message as received (RFC 5322)' },
      }),
    );
  }
  if (op.query) {
    const q = openApiSchema(op.query);
    const required = new Set(q.required ?? []);
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const s = schema as SchemaObject;
      decorators.push(
        ApiQuery({
          name,
          required: required.has(name),
          schema: s,
          ...(s.description ? { description: s.description } : {}),
        }),
      );
    }
  }
  const status = op.status ?? 200;
  if (status === 204 || !op.response) {
    decorators.push(ApiResponse({ status, description: op.responseDescription ?? 'Done; no content' }));
  } else {
    decorators.push(
      ApiResponse({
        status,
        description: op.responseDescription ?? (status === 201 ? 'Created' : 'OK'),
        schema: openApiSchema(op.response, 'output'),
      }),
    );
  }
  return applyDecorators(...decorators);
}
