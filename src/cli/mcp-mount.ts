import type { Baton } from '../engine/index.js';
import { handleMcpHttp } from '../mcp/index.js';
import type { Mount } from '../server/index.js';

/**
 * The MCP server's streamable HTTP endpoint as a mount of the HTTP API (`/mcp` on `baton
 * serve`): the API authenticates the bearer token, and the MCP session acts with that token's
 * scopes and name, so a token without `approve` cannot pass a gate through MCP either.
 */
export function mcpMount(baton: Baton, log: (line: string) => void): Mount {
  return {
    name: 'mcp',
    path: '/mcp',
    methods: ['GET', 'POST', 'DELETE'],
    scope: 'read',
    summary: 'MCP over streamable HTTP',
    description:
      "Baton's MCP tools (submit_plan, dry_run, get_run_state, list_pending_decisions, approve, deny, signal, pause, resume, abort, record_insight, validate_phase_transition, update_pipeline_state, append_routing_event, request_handoff, ...) over the streamable HTTP transport, stateless: POST JSON-RPC requests. Each tool needs its own scope of the calling token; see docs/mcp.md.",
    fetch: (request, { principal }) =>
      handleMcpHttp(request, { baton, scopes: principal.scopes, principal: principal.by, log }),
  };
}
