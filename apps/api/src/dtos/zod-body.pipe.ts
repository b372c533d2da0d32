import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import type { ZodType } from 'zod';

/**
 * Validates a body or query with a zod schema and answers 400 with every problem named by its field, e.g.
 * `label: must be "spam" or "ham"`. The swagger DTO classes document the same shapes for /openapi.json.
 */
@Injectable()
export class ZodPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: ZodType<T, unknown>) {}

  transform(value: unknown): T {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    const problems = result.error.issues.map(
      (i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`,
    );
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems });
  }
}
