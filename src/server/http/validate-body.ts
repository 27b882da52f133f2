import type { z } from 'zod';
import { AppError } from '../../core/errors.js';

/** Parses a request body against a schema, or answers 400 `invalid_request` naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    throw new AppError(400, 'invalid_request', `${field}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}
