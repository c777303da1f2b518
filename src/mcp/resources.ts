import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode as RpcErrorCode, McpError, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { BatonError, type LedgerEvent } from '../core/index.js';
import { pipelineState, renderPipelineStateMarkdown, renderRoutingLogMarkdown, routingLog } from '../ledger/index.js';
import { verifiedEvents } from './run-views.js';
import { requireScope, Scope, ScopeError } from './scopes.js';
import type { McpSession } from './session.js';

/** How many runs the resource lists offer (newest first); any run can be read by its URI. */
const LISTED_RUNS = 50;

const VIEWS = {
  'pipeline-state': {
    title: 'Pipeline state',
    description:
      "A run's pipeline state as Markdown: pending decisions first (with how to answer them), phases, budget, recent routing, agents' reports and handoffs. The same text as baton state RUN --md.",
    render: (_runId: string, events: readonly LedgerEvent[]) => renderPipelineStateMarkdown(pipelineState(events)),
  },
  'routing-log': {
    title: 'Routing log',
    description:
      "A run's routing log as Markdown: for every step, the capability the conductor chose with every candidate and its reason, the attempts and the outcome, the decisions asked of people, and the routing decisions agents recorded.",
    render: (runId: string, events: readonly LedgerEvent[]) => renderRoutingLogMarkdown(runId, routingLog(events)),
  },
} as const;

/** A failure to read a resource as a protocol error that says what is wrong (resources have no error results). */
function readError(error: unknown): never {
  if (error instanceof ScopeError) throw new McpError(RpcErrorCode.InvalidRequest, `${error.code}: ${error.message}`);
  if (error instanceof BatonError) throw new McpError(RpcErrorCode.InvalidParams, `${error.code}: ${error.message}`);
  throw error;
}

/**
 * The run resources, `baton://runs/{runId}/pipeline-state` and `baton://runs/{runId}/routing-log`,
 * both text/markdown rendered from the run's verified ledger by the ledger's own projections.
 */
export function registerRunResources(server: McpServer, session: McpSession): void {
  for (const [view, spec] of Object.entries(VIEWS)) {
    const template = new ResourceTemplate(`baton://runs/{runId}/${view}`, {
      list: async () => {
        try {
          requireScope(session.scopes, Scope.read, 'listing resources');
          const runs = await session.baton.listRuns({ limit: LISTED_RUNS });
          return {
            resources: runs.map((run) => ({
              uri: `baton://runs/${run.runId}/${view}`,
              name: `${run.runId} ${view}`,
              title: `${spec.title}: ${run.name} (${run.runId})`,
              mimeType: 'text/markdown',
            })),
          };
        } catch (error) {
          return readError(error);
        }
      },
    });
    server.registerResource(
      view,
      template,
      { title: spec.title, description: spec.description, mimeType: 'text/markdown' },
      async (uri, variables): Promise<ReadResourceResult> => {
        try {
          requireScope(session.scopes, Scope.read, `reading ${uri.href}`);
          const runId = decodeURIComponent(String(variables.runId));
          const text = spec.render(runId, await verifiedEvents(session.baton, runId));
          return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] };
        } catch (error) {
          return readError(error);
        }
      },
    );
  }
}
