import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerRunResources } from './resources.js';
import type { McpSession } from './session.js';
import { registerContextTools } from './tools/context.js';
import { registerControlTools } from './tools/control.js';
import { registerDecisionTools } from './tools/decisions.js';
import { registerOrchestrationTools } from './tools/orchestration.js';
import { registerRunTools } from './tools/runs.js';
import { registerSteeringTools } from './tools/steering.js';

/** What a client is told on connecting: how the tools fit together, in a few lines. */
const INSTRUCTIONS = [
  "Baton conducts runs of declarative plans under governance: phases behind gates, budgets, confirmations, escalations; every change is an event in the run's hash-chained ledger, recorded with who made it.",
  'Start a run with submit_plan (dry_run first to see routes and costs), follow it with get_run_state or the resources baton://runs/{runId}/pipeline-state and baton://runs/{runId}/routing-log.',
  'Orchestrate as an agent: validate_phase_transition before moving work across phases, update_pipeline_state to report what you are doing, append_routing_event to record who you gave work to and why, request_handoff to hand work and artifacts to another agent.',
  'Gates, confirmations and escalations wait for a person: approve and deny need the approve scope. When a run stops for a decision or a signal, answer it, then call resume.',
  'Change course mid-run with cancel_step, defer_step, revise_plan (a new plan revision; unchanged steps keep their results) and revert_plan.',
].join('\n');

/**
 * An MCP server for one session: Baton's tools and resources over the given workspace, with
 * the session's scopes checked on every call and its principal recorded on every event.
 * Connect it to a transport (`StdioServerTransport`, or see `handleMcpHttp`).
 * @example
 * const server = createMcpServer({ baton, scopes: ['read', 'operate'], principal: 'mcp:alice@host' });
 * await server.connect(new StdioServerTransport());
 */
export function createMcpServer(session: McpSession): McpServer {
  const server = new McpServer(
    { name: 'baton', title: 'Baton', version: '0.1.0' },
    { instructions: INSTRUCTIONS, capabilities: { tools: {}, resources: {} } },
  );
  registerRunTools(server, session);
  registerOrchestrationTools(server, session);
  registerDecisionTools(server, session);
  registerControlTools(server, session);
  registerSteeringTools(server, session);
  registerContextTools(server, session);
  registerRunResources(server, session);
  return server;
}
