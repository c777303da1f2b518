import { z } from 'zod';
import { API_SCOPES } from '../../engine/index.js';
import { ApiErrorCode } from '../errors.js';

/**
 * Schemas every part of the API shares. Request schemas validate what comes in (and are the
 * OpenAPI document's parameters and bodies); response schemas are the document's responses,
 * and the API tests hold every answer to them.
 */

export const ApiIssueSchema = z.object({
  path: z
    .array(z.union([z.string(), z.number()]))
    .describe('where: `body`, `query`, `path` or `header`, then the JSON path inside it'),
  message: z.string(),
  line: z.int().optional().describe('for plans given as YAML or JSON text: the line in that text'),
  column: z.int().optional(),
});

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z
        .enum(Object.values(ApiErrorCode) as [string, ...string[]])
        .describe('stable; branch on this, not on the message'),
      message: z.string(),
      issues: z.array(ApiIssueSchema).optional(),
    }),
  })
  .describe('Every error has this shape.');

export const Scope = z.enum(API_SCOPES);

/** Run ids as `baton run --run-id` accepts them. */
export const RunId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    'a run id is 1-128 letters, digits, ., _ or -, starting with a letter or digit',
  );

export const RunParams = z.strictObject({ id: RunId });

export const StepParams = z.strictObject({ id: RunId, step: z.string().min(1).max(200) });

/** No query parameters: an unknown one is refused, so that a typo is not silently ignored. */
export const NoQuery = z.strictObject({});

/** `?limit=` as text, read as a whole number within bounds. */
export function limitParam(max: number, fallback: number) {
  return z
    .string()
    .regex(/^[0-9]{1,6}$/, `a whole number from 1 to ${max}`)
    .transform(Number)
    .pipe(z.int().min(1, `a whole number from 1 to ${max}`).max(max, `a whole number from 1 to ${max}`))
    .optional()
    .default(fallback)
    .describe(`how many to return (1 to ${max}, default ${fallback})`);
}

/** JSON values, as the ledger keeps them. */
export const JsonValue = z.json();

export const Budget = z.object({ limitUsd: z.number().nullable(), spentUsd: z.number(), reservedUsd: z.number() });
