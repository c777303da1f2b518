import type { Hono, MiddlewareHandler } from 'hono';
import type { ApiScope } from '../engine/index.js';
import type { AppEnv, Principal } from './route.js';

/**
 * Another protocol served by this app under one path, behind the same authentication, rate
 * limit and scope check as the routes, and listed in the OpenAPI document. This is the seam
 * for the MCP server's streamable HTTP endpoint (`/mcp`): it receives the request as is and
 * who is asking, and answers in its own protocol.
 * @example
 * createApp({ baton, auth, mounts: [{ name: 'mcp', path: '/mcp', methods: ['GET', 'POST', 'DELETE'], scope: 'operate', summary: 'MCP', description: '...', fetch: (request, { principal }) => mcp.handle(request, principal) }] })
 */
export interface Mount {
  /** A short name, used as the document's tag and in operation ids. */
  name: string;
  /** Exact path (requests below it, `path/...`, reach it too). */
  path: string;
  methods: readonly ('GET' | 'POST' | 'PUT' | 'DELETE')[];
  scope: ApiScope;
  summary: string;
  description: string;
  fetch(request: Request, context: { principal: Principal }): Response | Promise<Response>;
}

export function mountHandler(app: Hono<AppEnv>, mount: Mount, guards: MiddlewareHandler<AppEnv>[]): void {
  app.on([...mount.methods], [mount.path, `${mount.path}/*`], ...guards, (c) =>
    mount.fetch(c.req.raw, { principal: c.get('principal') }),
  );
}
