import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpCapability, PlanIssue } from '../../core/index.js';
import type { CapabilityCheckContext } from '../kind.js';
import {
  connectMcpServer,
  describeMcpServer,
  serverOutsideScope,
  UNBOUNDED_REQUEST_MS,
  type McpConnection,
} from './mcp-connection.js';

/** Tools named in a refusal: enough to spot a typo, short enough to read on a terminal. */
const TOOLS_LISTED = 40;

/**
 * The live pre-flight of an `mcp` capability: connects to its server (starting a stdio one),
 * lists its tools, and reports the capability's tool when the server does not offer it (with
 * those it does), or the server when it cannot be reached or is outside the run's scope. A URL
 * server outside the scope is never contacted.
 * @example
 * await checkMcpTool({ kind: 'mcp', server: { command: ['mcp-server-memory'] }, tool: 'nope', skills: {} }, context)
 * // [{ path: ['tool'], message: 'mcp-server-memory offers no tool "nope"; it offers: create_entities, ...' }]
 */
export async function checkMcpTool(
  { server, tool }: McpCapability,
  { scope, signal }: CapabilityCheckContext,
): Promise<PlanIssue[]> {
  const outside = serverOutsideScope(server, scope);
  if (outside !== null) return [{ path: ['server'], message: `the run's scope refuses the MCP server: ${outside}` }];
  const name = describeMcpServer(server);
  let connection: McpConnection | undefined;
  try {
    connection = await connectMcpServer(server, { signal });
    const offered = await listToolNames(connection.client, signal);
    if (offered.includes(tool)) return [];
    const listed = offered.length > TOOLS_LISTED ? [...offered.slice(0, TOOLS_LISTED), '...'] : offered;
    const offers = offered.length === 0 ? 'it offers none' : `it offers: ${listed.join(', ')}`;
    return [{ path: ['tool'], message: `MCP server ${name} offers no tool "${tool}"; ${offers}` }];
  } catch (error) {
    const why = signal.aborted ? 'it did not answer in time' : error instanceof Error ? error.message : String(error);
    return [{ path: ['server'], message: `cannot reach MCP server ${name} to check tool "${tool}": ${why}` }];
  } finally {
    await connection?.close();
  }
}

/** Every tool the server offers, following its pages. */
async function listToolNames(client: Client, signal: AbortSignal): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor }, {
      signal,
      timeout: UNBOUNDED_REQUEST_MS,
    });
    names.push(...page.tools.map((offered) => offered.name));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return names;
}
