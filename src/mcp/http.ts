import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createMcpServer } from './server.js';
import type { McpSession } from './session.js';

/**
 * Serves one MCP request over streamable HTTP (web-standard Request and Response), for a
 * session whose scopes and principal the caller took from the request's credentials.
 *
 * Stateless: every POST gets its own server and transport, answered as JSON, then both are
 * closed. Nothing lives between requests, so each request is checked with its own token's
 * scopes and any server process can answer any request. GET (a server-to-client event
 * stream) and DELETE (ending a session) have nothing to do without sessions: 405, which
 * clients take as "no stream here".
 * @example
 * // mounted by the HTTP API after it has authenticated the bearer token:
 * app.all('/mcp', (c) => handleMcpHttp(c.req.raw, { baton, scopes: token.scopes, principal: `api:${token.name}` }));
 */
export async function handleMcpHttp(request: Request, session: McpSession): Promise<Response> {
  if (request.method !== 'POST') {
    const body = {
      jsonrpc: '2.0',
      error: {
        code: -32000,
        message: `${request.method} is not served: this MCP endpoint is stateless; send JSON-RPC requests with POST`,
      },
      id: null,
    };
    return new Response(JSON.stringify(body), {
      status: 405,
      headers: { allow: 'POST', 'content-type': 'application/json' },
    });
  }
  const server = createMcpServer(session);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    // With JSON responses the body is complete once the Response exists: nothing is left to send.
    await server.close();
  }
}
