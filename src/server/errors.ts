import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { BatonError, ErrorCode, InputError, PlanError, traceIdOf, type PlanIssue } from '../core/index.js';

/**
 * The API's error codes: the library's (ErrorCode) and those only HTTP has. Stable: clients
 * branch on `error.code`, never on the message.
 */
export const ApiErrorCode = {
  ...ErrorCode,
  unauthorized: 'unauthorized',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  rateLimited: 'rate_limited',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/**
 * Where a problem is: the first element says which part of the request (`body`, `query`,
 * `path`, `header`), the rest is the JSON path inside it. Plan text given as YAML adds the
 * line and column in that text.
 */
export interface ApiIssue {
  path: (string | number)[];
  message: string;
  line?: number;
  column?: number;
}

/** The one error shape: `{ "error": { "code", "message", "issues"? } }`. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: ApiIssue[] };
}

/** The one place error codes become HTTP statuses (as src/cli/exit-codes.ts is for exit codes). */
export function httpStatusFor(code: ApiErrorCode): 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 {
  switch (code) {
    case ApiErrorCode.badInput:
    case ApiErrorCode.planInvalid:
      return 400;
    case ApiErrorCode.unauthorized:
      return 401;
    case ApiErrorCode.forbidden:
      return 403;
    case ApiErrorCode.notFound:
      return 404;
    case ApiErrorCode.conflict:
      return 409;
    case ApiErrorCode.payloadTooLarge:
      return 413;
    case ApiErrorCode.unsupportedMediaType:
      return 415;
    case ApiErrorCode.rateLimited:
      return 429;
    // A ledger that fails verification is the server's data gone wrong, not the request.
    case ApiErrorCode.integrity:
    case ApiErrorCode.internal:
      return 500;
  }
}

/** An error a route or middleware raises to answer with the error shape. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: ApiIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Plan and input issues say where in the request body they are (`plan` or `inputs` field). */
function issuesOf(error: PlanError | InputError, bodyField: string | undefined): ApiIssue[] {
  return error.issues.map((issue: PlanIssue) => ({
    path: ['body', ...(bodyField !== undefined && error instanceof PlanError ? [bodyField] : []), ...issue.path],
    message: issue.message,
    ...(issue.line !== undefined && { line: issue.line, column: issue.column ?? 1 }),
  }));
}

/**
 * The response for anything a route throws. A BatonError keeps its code and message (they are
 * written for users); anything else is an internal error whose details go to `log` only, under
 * an id the client is shown, never to the client.
 */
export function errorResponse(c: Context, error: unknown, log: (line: string) => void, planField = 'plan'): Response {
  let body: ApiErrorBody;
  let headers: Record<string, string> = {};
  if (error instanceof ApiError) {
    body = { error: { code: error.code, message: error.message, ...(error.issues && { issues: error.issues }) } };
    headers = error.headers;
  } else if (error instanceof PlanError || error instanceof InputError) {
    body = {
      error: {
        code: error.code,
        message: error instanceof PlanError ? 'invalid plan' : 'invalid input',
        issues: issuesOf(error, planField),
      },
    };
  } else if (error instanceof BatonError) {
    body = { error: { code: error.code, message: error.message } };
  } else {
    const id = randomUUID().slice(0, 8);
    const trace = traceIdOf(c.req.header('traceparent'));
    log(
      `internal error ${id} on ${c.req.method} ${new URL(c.req.url).pathname}${trace === undefined ? '' : ` (trace ${trace})`}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    body = {
      error: { code: ApiErrorCode.internal, message: `internal error (id ${id}; the server's log has the details)` },
    };
  }
  return c.json(body, httpStatusFor(body.error.code), headers);
}
