import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { traceIdOf } from '../core/index.js';
import type { Baton } from '../engine/index.js';
import { authenticate, refuseForeignOrigins, requireScope, type AuthOptions } from './auth.js';
import { DEFAULT_DASHBOARD_DIR, mountDashboard } from './dashboard.js';
import { renderDocsPage } from './docs-page.js';
import { ApiError, ApiErrorCode, errorResponse } from './errors.js';
import { mountHandler, type Mount } from './mount.js';
import { openApiDocument } from './openapi.js';
import { rateLimit, TokenBuckets, type RateLimit } from './rate-limit.js';
import { defineRoute, mountRoute, type AppEnv, type Route } from './route.js';
import { artifactRoutes } from './routes/artifacts.js';
import { capabilityRoutes } from './routes/capabilities.js';
import { contextRoutes } from './routes/context.js';
import { gaugeRoutes } from './routes/gauges.js';
import type { RouteDeps } from './routes/deps.js';
import { handoffRoutes } from './routes/handoffs.js';
import { ledgerRoutes } from './routes/ledger.js';
import { operateRoutes } from './routes/operate.js';
import { planRoutes } from './routes/plans.js';
import { runRoutes } from './routes/runs.js';
import { stateMarkdownRoutes } from './routes/state-markdown.js';
import { streamRoutes } from './routes/streams.js';
import { submitRoutes } from './routes/submit.js';
import { AppendSignal } from './sse/append-signal.js';
import type { StreamTiming } from './sse/follow.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT } from './binding.js';

export interface AppOptions {
  /** The application service every route goes through (STYLE.md 12: the routes have no logic of their own). */
  baton: Baton;
  auth: Pick<AuthOptions, 'anonymous' | 'anonymousScopes'>;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Per token (default 20 requests a second, bursts of 100). */
  rateLimit?: RateLimit;
  /** The one web origin allowed to call the API from a browser (CORS); default none. */
  corsOrigin?: string | null;
  streams?: Partial<StreamTiming>;
  /** Aborted when the server stops: event streams end so that connections can close. */
  shutdown?: AbortSignal;
  /** Other protocols served under a path of this app (the MCP endpoint). */
  mounts?: readonly Mount[];
  /** Where request lines and internal errors are written (never tokens; default stderr). */
  log?: (line: string) => void;
  now?: () => number;
  version?: string;
  /** The built web dashboard served at `/` (default: the package's `dist-web/`); null serves none. */
  dashboard?: string | null;
}

export { DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT };

/** The API's routes (not the document's own two), each with its schemas: what createApp mounts. */
export function apiRoutes(deps: RouteDeps, log: (line: string) => void): Route[] {
  return [
    ...planRoutes(deps),
    ...runRoutes(deps),
    ...gaugeRoutes(deps),
    ...submitRoutes(deps),
    ...ledgerRoutes(deps),
    ...stateMarkdownRoutes(deps),
    ...operateRoutes(deps),
    ...handoffRoutes(deps),
    ...streamRoutes(deps, log),
    ...capabilityRoutes(deps),
    ...artifactRoutes(deps),
    ...contextRoutes(deps),
  ];
}

/**
 * The HTTP API as a Hono app: every route of docs/api.md, the OpenAPI document at
 * `/openapi.json` and its reference page at `/docs`. Serve it with @hono/node-server
 * (`baton serve`), or call `app.request()` in tests.
 * @example
 * const app = createApp({ baton, auth: { anonymous: 'never' } });
 * const res = await app.request('/v1/runs', { headers: { Authorization: `Bearer ${secret}` } });
 */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const { baton } = options;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const deps: RouteDeps = {
    baton,
    appends: new AppendSignal(),
    timing: { pollMs: options.streams?.pollMs ?? 1_000, keepAliveMs: options.streams?.keepAliveMs ?? 15_000 },
    shutdown: options.shutdown ?? new AbortController().signal,
  };
  const app = new Hono<AppEnv>();

  app.onError((error, c) => errorResponse(c, error, log));
  app.notFound((c) =>
    c.json(
      {
        error: {
          code: ApiErrorCode.notFound,
          message: `no route ${c.req.method} ${new URL(c.req.url).pathname}; /openapi.json lists the routes`,
        },
      },
      404,
    ),
  );
  app.use('*', async (c, next) => {
    const started = now();
    await next();
    const who = c.get('principal')?.by ?? '-';
    // The trace a request belongs to: the run's correlation id where the route set it, else the caller's traceparent.
    const trace = c.get('correlationId') ?? traceIdOf(c.req.header('traceparent')) ?? '-';
    log(
      `${new Date(started).toISOString()} ${c.req.method} ${new URL(c.req.url).pathname} ${c.res.status} ${now() - started}ms ${who} ${trace}`,
    );
    // Appends made by this request wake the event streams at once.
    if (c.req.method !== 'GET') deps.appends.notify();
  });
  if (options.corsOrigin)
    app.use(
      '*',
      cors({
        origin: options.corsOrigin,
        allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
        exposeHeaders: ['Location', 'Retry-After', 'Repr-Digest'],
      }),
    );
  app.use('*', refuseForeignOrigins(options.corsOrigin ?? null));

  const buckets = new TokenBuckets(options.rateLimit ?? DEFAULT_RATE_LIMIT, now);
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new ApiError(
        ApiErrorCode.payloadTooLarge,
        `the request body is larger than this server accepts (${maxBodyBytes} bytes; baton serve --max-body sets it)`,
      );
    },
  });
  const guardsFor = (scope: Route['scope']): MiddlewareHandler<AppEnv>[] =>
    scope === null
      ? []
      : [authenticate({ tokens: baton.tokens, ...options.auth }), rateLimit(buckets), requireScope(scope), limitBody];

  const routes = apiRoutes(deps, log);
  const mounts = options.mounts ?? [];
  let document: Record<string, unknown> | undefined;
  const openApi = () => (document ??= openApiDocument(routes, mounts, { version: options.version ?? '0.1.0' }));
  routes.push(
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      operationId: 'openApi',
      tag: 'meta',
      summary: 'This OpenAPI 3.1 document',
      scope: null,
      responses: { 200: { description: 'the document', contentType: 'application/json' } },
      handle: ({ c }) => c.json(openApi()),
    }),
    defineRoute({
      method: 'get',
      path: '/docs',
      operationId: 'docs',
      tag: 'meta',
      summary: 'The API reference page',
      scope: null,
      responses: { 200: { description: 'HTML rendered from the OpenAPI document', contentType: 'text/html' } },
      handle: ({ c }) => c.html(renderDocsPage(openApi())),
    }),
  );
  for (const route of routes) mountRoute(app, route, guardsFor(route.scope));
  for (const mount of mounts) mountHandler(app, mount, guardsFor(mount.scope));
  // Last: every GET the API does not answer is a page of the dashboard (or the API's 404).
  const dashboard = options.dashboard === undefined ? DEFAULT_DASHBOARD_DIR : options.dashboard;
  if (dashboard !== null) mountDashboard(app, dashboard);
  return app;
}
