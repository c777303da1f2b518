import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { tooDeep, tooDeepMessage } from '../core/index.js';
import type { ApiScope } from '../engine/index.js';
import { ApiError, ApiErrorCode, type ApiIssue } from './errors.js';
import { NoQuery } from './schemas/common.js';

/** Who is making a request: recorded as `by` in the ledger for everything they do. */
export interface Principal {
  /** `token:<name>`, or `http:anonymous` on a loopback server that has no tokens. */
  by: string;
  scopes: readonly ApiScope[];
  tokenId: string | null;
}

/** `correlationId`: the run a request created or acts under, when a route knows it, for the request log. */
export type AppEnv = { Variables: { principal: Principal; correlationId?: string } };
export type AppContext = Context<AppEnv>;

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  /** Default `application/json`. */
  contentType?: string;
}

/**
 * One route, described once: the same object mounts it (validating its path, query and body
 * with its schemas and checking its scope) and describes it in the OpenAPI document.
 */
export interface RouteSpec<P, Q, B> {
  method: 'get' | 'post';
  /** Hono syntax (`/v1/runs/:id`); the document shows `{id}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** The scope a token needs; null for public routes (the document and its page). */
  scope: ApiScope | null;
  params?: P;
  /** Default: no query parameters at all (an unknown one is bad input). */
  query?: Q;
  body?: B;
  /** Request headers the route reads, for the document. */
  headers?: { name: string; description: string }[];
  /** The answers it gives when it succeeds; the errors are added for every route alike. */
  responses: Record<number, RouteResponse>;
  handle(input: {
    c: AppContext;
    params: Parsed<P>;
    query: Parsed<Q>;
    body: Parsed<B>;
    principal: Principal;
  }): Promise<Response> | Response;
}

type AnySchema = z.ZodType | undefined;
export type Route = RouteSpec<AnySchema, AnySchema, AnySchema>;

/** Declares a route with its types inferred from its schemas. */
export function defineRoute<
  P extends AnySchema = undefined,
  Q extends AnySchema = undefined,
  B extends AnySchema = undefined,
>(spec: RouteSpec<P, Q, B>): Route {
  return spec as unknown as Route;
}

/** Zod's issues as the API's, rooted at the part of the request they are in. */
export function issuesFrom(where: 'body' | 'query' | 'path', error: z.ZodError): ApiIssue[] {
  const noun = where === 'body' ? 'field' : where === 'query' ? 'query parameter' : 'path parameter';
  return error.issues.flatMap((issue): ApiIssue[] => {
    const path = [where, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown ${noun} "${key}"` }));
    return [{ path, message: issue.message }];
  });
}

function parse<T extends z.ZodType>(where: 'body' | 'query' | 'path', schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ApiError(
      ApiErrorCode.badInput,
      `invalid request ${where === 'path' ? 'path' : where}`,
      issuesFrom(where, result.error),
    );
  return result.data;
}

/**
 * The body as JSON. An empty body counts as `{}` (so `curl -X POST .../pause` works); a body
 * in another media type is refused rather than guessed at, which also keeps browsers' simple
 * cross-site form posts out.
 */
async function readJsonBody(c: AppContext): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError(
      ApiErrorCode.unsupportedMediaType,
      `send the body as JSON with Content-Type: application/json (got ${type === '' ? 'no Content-Type' : JSON.stringify(type.slice(0, 100))}); with curl, --json '{...}' does both`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError(ApiErrorCode.badInput, 'the request body is not valid JSON', [
      { path: ['body'], message: (error as Error).message },
    ]);
  }
  const deep = tooDeep(body);
  if (deep !== undefined)
    throw new ApiError(ApiErrorCode.badInput, `the request body is ${tooDeepMessage()}`, [
      { path: ['body', ...deep], message: tooDeepMessage() },
    ]);
  return body;
}

/** Mounts a route behind `guards` (authentication, rate limit, scope, body size, as the app decides). */
export function mountRoute(app: Hono<AppEnv>, route: Route, guards: MiddlewareHandler<AppEnv>[]): void {
  app.on([route.method.toUpperCase()], [route.path], ...guards, async (c) => {
    const params = route.params ? parse('path', route.params, c.req.param()) : undefined;
    const query = parse('query', route.query ?? NoQuery, c.req.query());
    const body = route.body ? parse('body', route.body, await readJsonBody(c)) : undefined;
    return route.handle({ c, params, query, body, principal: c.get('principal') });
  });
}
