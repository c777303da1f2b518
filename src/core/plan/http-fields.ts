import type { ZodPackage } from '../deferred-packages.js';

/** The methods an `http` capability may declare. GET sends no body, as the Fetch standard requires. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** A response body larger than this fails the attempt unless the capability sets `max_response_bytes`. */
export const HTTP_DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** The most `max_response_bytes` may allow: a response becomes the step's output, which the ledger keeps. */
export const HTTP_MAX_RESPONSE_BYTES_LIMIT = 16 * 1024 * 1024;

/** Headers Baton sets on every request itself; a plan cannot set them, so a receiver can trust what they say. */
export const BATON_HTTP_HEADERS = {
  idempotencyKey: 'Idempotency-Key',
  timestamp: 'Baton-Timestamp',
  signature: 'Baton-Signature',
} as const;

/** Set by Baton or by the HTTP client, so not a plan's to give. Lower case. */
const RESERVED_HEADERS = new Set([
  ...Object.values(BATON_HTTP_HEADERS).map((name) => name.toLowerCase()),
  'content-type',
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
]);

/**
 * Why a URL (as written, without templates) cannot be an `http` capability's target, or null when
 * it can: http(s) only, and no user or password, which would put a credential into the plan.
 * @example urlProblem('ftp://example.com/x') // 'the URL must be http or https, not ftp:'
 */
export function urlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a valid URL (for example `https://api.example.com/v1/hook`)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `the URL must be http or https, not ${url.protocol}`;
  if (url.username !== '' || url.password !== '')
    return 'the URL has a user or password: name a credential by environment variable in `headers_env` instead';
  return null;
}

/**
 * The zod schemas of an `http` capability's header names and URL, for the plan language's
 * schemas (schema.ts), which build them on first use.
 */
export function buildHttpFieldSchemas(z: ZodPackage['z']) {
  /** An HTTP header name: an RFC 9110 token, not one Baton or the client sets. */
  const HttpHeaderName = z
    .string()
    .regex(
      /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/,
      "a header name is letters, digits and !#$%&'*+-.^_`|~ (for example `X-Api-Key`)",
    )
    .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), {
      message: `Baton sets this header itself; the headers it sets are ${[...RESERVED_HEADERS].join(', ')}`,
    });

  /**
   * An `http` capability's URL. One with `{{ }}` templates is checked when rendered, before the
   * request (validate.ts checks the templates themselves).
   */
  const HttpUrl = z
    .string()
    .min(1, 'url cannot be empty')
    .superRefine((text, ctx) => {
      if (text.includes('{{')) return;
      const problem = urlProblem(text);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    });

  return { HttpHeaderName, HttpUrl };
}
